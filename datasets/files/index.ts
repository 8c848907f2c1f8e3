// Datasets from a user's own files (GLUE folders, Parquet, JSON Lines, CSV): the suite entry's schema and its loader.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { hashOf } from '../../core/hash.js';
import type { Dataset, DatasetCard, Example, Splits } from '../types.js';
import { readCsv } from './csv.js';
import { readGlue } from './glue.js';
import { readJsonl } from './jsonl.js';
import { readParquet } from './parquet.js';
import { COMMONSENSE_TRAIN, commonsenseTestFile, readAdapterJson, testExamples, trainExamples } from './commonsense.js';
import { E2E_METRICS, e2eGrouped, e2eSplitFiles, e2eTrain } from './e2e.js';
import { MMLU_CHOICES, mmluExamples } from './mmlu.js';
import { assembleSplits, classNames, DataFileError, pickColumn, toExamples, unlabelled, type FieldMap, type FileTask, type RawSplit } from './rows.js';

const files = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** A dataset entry in a suite that points at files instead of a built-in id. */
export const fileDatasetSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case letters, digits and dashes'),
    /** glue, e2e, commonsense and mmlu are official layouts that know their task and metrics (glue.ts, e2e.ts, commonsense.ts, mmlu.ts). */
    format: z.enum(['glue', 'parquet', 'jsonl', 'csv', 'e2e', 'commonsense', 'mmlu']),
    /** A folder (split files found by name: train…, dev… or validation…, test…) or, for parquet/jsonl/csv, one file. */
    path: z.string().min(1),
    /** Task kind; a GLUE folder knows its own. */
    task: z.enum(['classification', 'pair-classification', 'regression', 'generation', 'multiple-choice']).optional(),
    /** Explicit split files (relative to `path` when it is a folder); shards as a list. */
    files: z.object({ train: files, dev: files.optional(), test: files.optional() }).strict().optional(),
    text: z.string().optional(),
    text2: z.string().optional(),
    label: z.string().optional(),
    target: z.string().optional(),
    /** One column holding a list of choices, or several columns, one choice each. */
    choices: z.union([z.string(), z.array(z.string()).min(2)]).optional(),
    /** Class names in label order: string labels are looked up here, integer labels index it. */
    labels: z.array(z.string()).min(2).optional(),
    metrics: z.array(z.string()).min(1).optional(),
    name: z.string().optional(),
    /** CSV field delimiter (default "," and tab for .tsv files). */
    delimiter: z.string().length(1).optional(),
    /** GLUE task when the folder's name does not say it (cola, sst2, mrpc, qqp, stsb, mnli, qnli, rte, wnli). */
    glue_task: z.string().optional(),
    /** Commonsense: which of the 8 LLM-Adapters test sets (boolq, piqa, siqa, hellaswag, winogrande, arc-e, arc-c, obqa). */
    commonsense_task: z.string().optional(),
    /** MMLU: solved dev questions before each question (the papers' 5-shot), and optionally only these subjects. */
    mmlu_shots: z.number().int().min(0).max(5).default(5),
    mmlu_subjects: z.array(z.string().min(1)).min(1).optional(),
    /** MNLI: which dev file is the test split. */
    mnli_dev: z.enum(['matched', 'mismatched']).default('matched'),
    /** Share of the training file carved off for a missing dev (or test) split. */
    dev_fraction: z.number().gt(0).lt(0.5).default(0.1),
  })
  .strict()
  .refine((e) => OWN_TASK.has(e.format) || e.task !== undefined, { message: 'a parquet, jsonl or csv dataset needs "task"', path: ['task'] })
  .refine((e) => e.format !== 'commonsense' || e.commonsense_task !== undefined || e.files?.test !== undefined, {
    message: 'a commonsense dataset needs "commonsense_task" (boolq, piqa, siqa, hellaswag, winogrande, arc-e, arc-c, obqa) or files.test',
    path: ['commonsense_task'],
  })
  .refine((e) => e.format !== 'mmlu' || e.files?.train !== undefined, {
    message: 'an mmlu dataset needs "files.train": the instruction data the model is fine-tuned on before MMLU is asked (Alpaca or FLAN v2 as a JSON array of {instruction, input, output})',
    path: ['files', 'train'],
  });

/** Formats whose layout fixes the task kind and metrics. */
const OWN_TASK = new Set(['glue', 'e2e', 'commonsense', 'mmlu'])

export type FileDatasetEntry = z.infer<typeof fileDatasetSchema>;

const EXT: Record<Exclude<FileDatasetEntry['format'], 'glue' | 'e2e' | 'commonsense' | 'mmlu'>, string[]> = {
  parquet: ['.parquet'],
  jsonl: ['.jsonl', '.json'],
  csv: ['.csv', '.tsv'],
};
const SPLIT_PREFIX: Record<keyof Splits, string[]> = { train: ['train'], dev: ['validation', 'valid', 'dev', 'val'], test: ['test'] };

/** Split files in a folder by name: `train*.ext`, `validation*`/`dev*`/`val*`, `test*` (Hugging Face shard names included). */
function discover(folder: string, format: keyof typeof EXT): Partial<Record<keyof Splits, string[]>> {
  const names = fs.readdirSync(folder).filter((f) => EXT[format].some((x) => f.toLowerCase().endsWith(x))).sort();
  const out: Partial<Record<keyof Splits, string[]>> = {};
  for (const s of ['train', 'dev', 'test'] as const) {
    const hit = names.filter((n) => SPLIT_PREFIX[s].some((p) => n.toLowerCase().startsWith(p) && !/^[a-z]/.test(n.toLowerCase().slice(p.length))));
    if (hit.length) out[s] = hit.map((n) => path.join(folder, n));
  }
  return out;
}

function splitFiles(e: FileDatasetEntry): Partial<Record<keyof Splits, string[]>> {
  const format = e.format as keyof typeof EXT;
  let isDir = false;
  try {
    isDir = fs.statSync(e.path).isDirectory();
  } catch {
    throw new DataFileError(e.path, null, 'the path does not exist');
  }
  const list = (v: string | string[] | undefined) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map((f) => (isDir ? path.resolve(e.path, f) : path.resolve(path.dirname(e.path), f))));
  if (e.files) return { train: list(e.files.train), dev: list(e.files.dev), test: list(e.files.test) };
  if (!isDir) return { train: [e.path] };
  const found = discover(e.path, format);
  if (!found.train) throw new DataFileError(e.path, null, `the folder has no training file (train*${EXT[format][0]}); name it so, or list the files under "files"`);
  return found;
}

async function readSplit(e: FileDatasetEntry, fileList: string[]): Promise<RawSplit> {
  if (e.format === 'parquet') return readParquet(fileList);
  const parts = fileList.map((f) => (e.format === 'jsonl' ? readJsonl(f) : readCsv(f, e.delimiter ?? (f.toLowerCase().endsWith('.tsv') ? '\t' : ','))));
  if (parts.length === 1) return parts[0];
  // Several shards of one split must agree on their columns; rows keep their own file's line numbers via the first file's name.
  const cols = parts[0].columns;
  for (const p of parts.slice(1)) {
    const missing = cols.find((c) => !p.columns.includes(c));
    if (missing) throw new DataFileError(p.file, p.headerLine, `this shard has no column "${missing}", which ${parts[0].file} has`);
  }
  return { ...parts[0], rows: parts.flatMap((p) => p.rows) };
}

const TEXT = ['text', 'sentence', 'sentence1', 'question1', 'question', 'premise', 'input', 'prompt'];
const TEXT2 = ['text2', 'sentence2', 'question2', 'hypothesis'];
const LABEL = ['label', 'labels', 'score', 'answer', 'gold_label'];
const TARGET = ['target', 'output', 'summary', 'completion', 'response'];
const CHOICES = ['choices', 'options', 'endings'];

function fieldsFor(e: FileDatasetEntry, train: RawSplit): FieldMap {
  const c = train.columns;
  return {
    text: pickColumn(c, e.text, TEXT),
    text2: e.task === 'pair-classification' ? pickColumn(c, e.text2, TEXT2) : e.text2,
    label: e.task === 'generation' ? e.label : pickColumn(c, e.label, LABEL),
    target: e.task === 'generation' ? pickColumn(c, e.target, TARGET) : undefined,
    choices: e.task === 'multiple-choice' ? e.choices ?? pickColumn(c, undefined, CHOICES) : undefined,
    labels: e.labels,
  };
}

function defaultMetrics(task: FileTask, nClasses: number): string[] {
  if (task === 'regression') return ['pearson', 'spearman'];
  if (task === 'generation') return ['bleu', 'rouge-l'];
  if (task === 'multiple-choice') return ['accuracy'];
  return nClasses > 2 ? ['accuracy', 'macro-f1'] : ['accuracy', 'f1', 'mcc'];
}

function balance(splits: Splits, task: FileTask, labels: string[] | undefined): string | undefined {
  if (!labels) return undefined;
  const all = [...splits.train, ...splits.dev, ...splits.test];
  return labels.map((n, i) => `${n} ${((100 * all.filter((x) => x.label === i).length) / all.length).toFixed(1)}%`).join(' / ') + (task === 'pair-classification' ? ' (pairs)' : '');
}

/**
 * Loads a file dataset. Every problem with the files ends as one sentence naming the dataset, the file, the line and
 * what is wrong; nothing is read before the suite is validated and nothing is written anywhere.
 */
export async function loadFileDataset(e: FileDatasetEntry): Promise<Dataset> {
  try {
    return await load(e);
  } catch (err) {
    if (err instanceof DataFileError) throw new Error(`Dataset "${e.id}": ${err.message}.`);
    throw err;
  }
}

async function load(e: FileDatasetEntry): Promise<Dataset> {
  if (e.format === 'e2e' || e.format === 'commonsense' || e.format === 'mmlu') return loadGenerationLayout(e);
  let raw: { train: RawSplit; dev: RawSplit | null; test: RawSplit | null };
  let task: FileTask;
  let fields: FieldMap;
  let metrics: string[];
  let name = e.name ?? e.id;
  let what: string;
  if (e.format === 'glue') {
    const g = readGlue(e.path, { glueTask: e.glue_task, mnliDev: e.mnli_dev });
    raw = g;
    task = g.task.task;
    fields = { ...g.task.fields, ...(e.labels ? { labels: e.labels } : {}) };
    metrics = e.metrics ?? g.task.metrics;
    name = e.name ?? `GLUE ${g.task.name}`;
    what = `GLUE ${g.task.name} in the official TSV layout (${g.task.metrics.join(' + ')} as in GLUE)`;
  } else {
    const f = splitFiles(e);
    raw = {
      train: await readSplit(e, f.train!),
      dev: f.dev ? await readSplit(e, f.dev) : null,
      test: f.test ? await readSplit(e, f.test) : null,
    };
    task = e.task!;
    fields = fieldsFor(e, raw.train);
    metrics = [];
    what = `${e.format.toUpperCase()} files, ${task}, text from "${fields.text}"${fields.text2 ? ` and "${fields.text2}"` : ''}, ${task === 'generation' ? `target "${fields.target}"` : `label "${fields.label}"`}`;
  }
  const classed = task === 'classification' || task === 'pair-classification';
  const names = classed ? classNames(raw.train, fields) : undefined;
  if (!e.metrics && e.format !== 'glue') metrics = defaultMetrics(task, names?.length ?? 0);
  if (e.metrics) metrics = e.metrics;
  const examples = (s: RawSplit | null, required: boolean): Example[] | null => {
    if (!s) return null;
    if (s.rows.length === 0) throw new DataFileError(s.file, null, 'the file has no examples (an empty split)', s.unit);
    if (!required && unlabelled(s, fields, task)) return null;
    return toExamples(s, task, fields, names);
  };
  const train = examples(raw.train, true)!;
  const { splits, notes } = assembleSplits(train, examples(raw.dev, false), examples(raw.test, false), e.dev_fraction);
  for (const s of ['dev', 'test'] as const) {
    if (splits[s].length === 0) throw new DataFileError(raw.train.file, null, `the ${s} split carved from it is empty; give a ${s} file`);
  }
  const sources = [raw.train, raw.dev, raw.test].filter((s): s is RawSplit => s !== null).map((s) => s.file);
  const card: DatasetCard = {
    description: `User-supplied ${what}.`,
    source: sources.join(', '),
    license: 'as distributed by the data set\'s authors (user-supplied files; check the terms before sharing results or derived files)',
    size: `${splits.train.length} train / ${splits.dev.length} dev / ${splits.test.length} test examples`,
    splitBy: notes.length ? `the provided files, except: ${notes.join('; ')}` : 'the provided train, dev and test files',
    labelBalance: balance(splits, task, names),
  };
  return {
    id: e.id,
    name,
    kind: task,
    labels: names,
    metrics,
    card,
    contentHash: hashOf({ kind: task, labels: names ?? null, splits }),
    splits,
  };
}

/**
 * E2E NLG, LLM-Adapters commonsense and MMLU folders: generation tasks whose examples the layout defines (several
 * references per meaning representation; prompt → output for training, prompt → answer for testing).
 */
function loadGenerationLayout(e: FileDatasetEntry): Dataset {
  const rel = (f: string | string[] | undefined) => (f === undefined ? undefined : path.resolve(e.path, Array.isArray(f) ? f[0] : f));
  let train: Example[], dev: Example[] | null, test: Example[] | null, metrics: string[], what: string, sources: string[];
  let answerChoices: string[] | undefined;
  if (e.format === 'mmlu') {
    // Trained on instruction data (the papers' Alpaca or FLAN v2), then asked MMLU: val as dev, test as test.
    const trainFile = rel(e.files!.train)!;
    train = trainExamples(readAdapterJson(trainFile, 'output'));
    dev = mmluExamples(e.path, 'val', e.mmlu_shots, e.mmlu_subjects);
    test = mmluExamples(e.path, 'test', e.mmlu_shots, e.mmlu_subjects);
    metrics = ['exact-match'];
    answerChoices = MMLU_CHOICES;
    what = `MMLU in its official CSV layout (${e.mmlu_shots}-shot prompts from dev, the answer letter chosen by likelihood), after fine-tuning on ${path.basename(trainFile)}`;
    sources = [trainFile, path.join(e.path, 'val'), path.join(e.path, 'test')];
  } else if (e.format === 'e2e') {
    const f = e2eSplitFiles(e.path);
    const files = { train: rel(e.files?.train) ?? f.train, dev: rel(e.files?.dev) ?? f.dev, test: rel(e.files?.test) ?? f.test };
    train = e2eTrain(files.train);
    dev = files.dev ? e2eGrouped(files.dev) : null;
    test = files.test ? e2eGrouped(files.test) : null;
    metrics = E2E_METRICS;
    what = 'E2E NLG Challenge data in the official CSV layout (mr, ref; references grouped by mr for scoring)';
    sources = [files.train, files.dev, files.test].filter((x): x is string => !!x);
  } else {
    const trainFile = rel(e.files?.train) ?? path.join(e.path, COMMONSENSE_TRAIN);
    const testFile = rel(e.files?.test) ?? commonsenseTestFile(e.path, e.commonsense_task!);
    train = trainExamples(readAdapterJson(trainFile, 'output'));
    dev = e.files?.dev ? testExamples(readAdapterJson(rel(e.files.dev)!, 'answer')) : null;
    test = testExamples(readAdapterJson(testFile, 'answer'));
    metrics = ['choice-em'];
    what = 'LLM-Adapters commonsense JSON (instruction/input/output/answer; trained on the output, scored on the answer extracted from the generated text)';
    sources = [trainFile, testFile];
  }
  // The dev split only serves progress checks: a few hundred examples carved from train leave the rest to training.
  const fraction = Math.min(e.dev_fraction, Math.max(1 / train.length, 500 / train.length));
  const { splits, notes } = assembleSplits(train, dev, test, fraction);
  for (const s of ['dev', 'test'] as const) {
    if (splits[s].length === 0) throw new DataFileError(sources[0], null, `the ${s} split carved from it is empty; give a ${s} file`);
  }
  return {
    id: e.id,
    name: e.name ?? e.id,
    kind: 'generation',
    metrics: e.metrics ?? metrics,
    card: {
      description: `User-supplied ${what}.`,
      source: sources.join(', '),
      license: 'as distributed by the data set\'s authors (user-supplied files; check the terms before sharing results or derived files)',
      size: `${splits.train.length} train / ${splits.dev.length} dev / ${splits.test.length} test examples`,
      splitBy: notes.length ? `the provided files, except: ${notes.join('; ')}` : 'the provided train, dev and test files',
    },
    contentHash: hashOf({ kind: 'generation', splits, ...(answerChoices ? { answerChoices } : {}) }),
    splits,
    ...(answerChoices ? { answerChoices } : {}),
  };
}

export { DataFileError } from './rows.js';
export { GLUE_TASKS } from './glue.js';
