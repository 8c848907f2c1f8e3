// GLUE task folders in the official layout (train.tsv, dev.tsv, test.tsv): column layouts, label names and metrics per task.
import fs from 'node:fs';
import path from 'node:path';
import { readText } from './csv.js';
import { DataFileError, type FieldMap, type FileTask, type RawSplit, type Row } from './rows.js';

export interface GlueTask {
  name: string;
  task: FileTask;
  fields: FieldMap;
  /** The official metrics (GLUE paper, Table 1), primary first. */
  metrics: string[];
  /** CoLA's train and dev files have no header row; these are their columns. */
  headerless?: string[];
  dev: string;
}

const nli = (labels: string[]): Omit<GlueTask, 'name' | 'dev'> => ({
  task: 'pair-classification',
  fields: { text: 'sentence1', text2: 'sentence2', label: 'label', labels },
  metrics: ['accuracy'],
});

export const GLUE_TASKS: Record<string, GlueTask> = {
  cola: {
    name: 'CoLA',
    task: 'classification',
    fields: { text: 'sentence', label: 'label', labels: ['unacceptable', 'acceptable'] },
    metrics: ['mcc', 'accuracy'],
    headerless: ['source', 'label', 'original_label', 'sentence'],
    dev: 'dev.tsv',
  },
  sst2: { name: 'SST-2', task: 'classification', fields: { text: 'sentence', label: 'label', labels: ['negative', 'positive'] }, metrics: ['accuracy'], dev: 'dev.tsv' },
  mrpc: {
    name: 'MRPC',
    task: 'pair-classification',
    fields: { text: '#1 String', text2: '#2 String', label: 'Quality', labels: ['not_equivalent', 'equivalent'] },
    metrics: ['f1', 'accuracy'],
    dev: 'dev.tsv',
  },
  qqp: {
    name: 'QQP',
    task: 'pair-classification',
    fields: { text: 'question1', text2: 'question2', label: 'is_duplicate', labels: ['not_duplicate', 'duplicate'] },
    metrics: ['f1', 'accuracy'],
    dev: 'dev.tsv',
  },
  stsb: { name: 'STS-B', task: 'regression', fields: { text: 'sentence1', text2: 'sentence2', label: 'score' }, metrics: ['pearson', 'spearman'], dev: 'dev.tsv' },
  mnli: { name: 'MNLI', ...nli(['entailment', 'neutral', 'contradiction']), fields: { text: 'sentence1', text2: 'sentence2', label: 'gold_label', labels: ['entailment', 'neutral', 'contradiction'] }, dev: 'dev_matched.tsv' },
  qnli: { name: 'QNLI', ...nli(['entailment', 'not_entailment']), fields: { text: 'question', text2: 'sentence', label: 'label', labels: ['entailment', 'not_entailment'] }, dev: 'dev.tsv' },
  rte: { name: 'RTE', ...nli(['entailment', 'not_entailment']), dev: 'dev.tsv' },
  wnli: { name: 'WNLI', ...nli(['not_entailment', 'entailment']), dev: 'dev.tsv' },
};

/** The task a folder holds: `glue_task` if given, else the folder's name (CoLA, SST-2, STS-B, ... in any case, dashes optional). */
export function glueTaskOf(folder: string, explicit?: string): GlueTask & { key: string } {
  const key = (explicit ?? path.basename(path.resolve(folder))).toLowerCase().replace(/[-_]/g, '');
  const t = GLUE_TASKS[key];
  if (!t) {
    throw new DataFileError(folder, null, `the folder name "${path.basename(path.resolve(folder))}" is not a GLUE task (${Object.values(GLUE_TASKS).map((t) => t.name).join(', ')}); set glue_task`);
  }
  return { ...t, key };
}

/** GLUE's TSVs are not quoted CSV: fields are split on tabs and quotes are literal. */
export function readGlueTsv(file: string, headerless?: string[]): RawSplit {
  const lines = readText(file).replace(/^\ufeff/, '').split('\n').map((l) => l.replace(/\r$/, ''));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new DataFileError(file, null, 'the file is empty (an empty split)');
  const columns = headerless ?? lines[0].split('\t');
  const first = headerless ? 0 : 1;
  const rows: Row[] = [];
  for (let i = first; i < lines.length; i++) {
    const f = lines[i].split('\t');
    if (f.length !== columns.length) {
      throw new DataFileError(file, i + 1, `the row has ${f.length} tab-separated fields but ${headerless ? 'this task has' : 'the header has'} ${columns.length} (a ragged row)`);
    }
    rows.push({ line: i + 1, values: Object.fromEntries(columns.map((c, j) => [c, f[j]])) });
  }
  return { file, columns, rows, headerLine: 1 };
}

export interface GlueFiles {
  task: GlueTask & { key: string };
  train: RawSplit;
  dev: RawSplit | null;
  test: RawSplit | null;
}

/** Reads train, the dev file (MNLI: dev_matched or dev_mismatched) and test if present. CoLA's test.tsv has a header. */
export function readGlue(folder: string, opts: { glueTask?: string; mnliDev?: 'matched' | 'mismatched' } = {}): GlueFiles {
  const task = glueTaskOf(folder, opts.glueTask);
  if (!fs.existsSync(folder)) throw new DataFileError(folder, null, 'the folder does not exist');
  const devName = task.key === 'mnli' ? `dev_${opts.mnliDev ?? 'matched'}.tsv` : task.dev;
  const testName = task.key === 'mnli' ? `test_${opts.mnliDev ?? 'matched'}.tsv` : 'test.tsv';
  const at = (f: string) => path.join(folder, f);
  const train = readGlueTsv(at('train.tsv'), task.headerless);
  const dev = fs.existsSync(at(devName)) ? readGlueTsv(at(devName), task.headerless) : null;
  const test = fs.existsSync(at(testName)) ? readGlueTsv(at(testName)) : null;
  return { task, train, dev, test };
}
