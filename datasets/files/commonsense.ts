// LLM-Adapters' commonsense-reasoning data (Hu et al. 2023): JSON arrays of {instruction, input, output, answer};
// commonsense_170k.json to train on, one test.json per task (BoolQ, PIQA, SIQA, HellaSwag, WinoGrande, ARC-e, ARC-c, OBQA).
import path from 'node:path';
import type { Example } from '../types.js';
import { readText } from './csv.js';
import { DataFileError } from './rows.js';

/** The 8 test sets as LLM-Adapters lays them out (dataset/<folder>/test.json), with the names papers print. */
export const COMMONSENSE_TASKS: { key: string; folder: string; name: string }[] = [
  { key: 'boolq', folder: 'boolq', name: 'BoolQ' },
  { key: 'piqa', folder: 'piqa', name: 'PIQA' },
  { key: 'siqa', folder: 'social_i_qa', name: 'SIQA' },
  { key: 'hellaswag', folder: 'hellaswag', name: 'HellaSwag' },
  { key: 'winogrande', folder: 'winogrande', name: 'WinoGrande' },
  { key: 'arc-e', folder: 'ARC-Easy', name: 'ARC-e' },
  { key: 'arc-c', folder: 'ARC-Challenge', name: 'ARC-c' },
  { key: 'obqa', folder: 'openbookqa', name: 'OBQA' },
];

/** The training file's place in the LLM-Adapters repository. */
export const COMMONSENSE_TRAIN = 'ft-training_set/commonsense_170k.json';

export interface AdapterRecord { instruction: string; input: string; output: string; answer: string }

/**
 * LLM-Adapters' prompt (generate_prompt in finetune.py and commonsense_evaluate.py), up to "### Response:": the model
 * is trained on the output after it and evaluated on the answer extracted from what it generates there.
 */
export function adapterPrompt(r: Pick<AdapterRecord, 'instruction' | 'input'>): string {
  return r.input
    ? `Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request. \n\n### Instruction:\n${r.instruction}\n\n### Input:\n${r.input}\n\n### Response:\n`
    : `Below is an instruction that describes a task. Write a response that appropriately completes the request.  \n\n### Instruction:\n${r.instruction}\n\n### Response:\n`;
}

/** Reads one file; every record needs a non-empty instruction and, for `need`, that field. Errors name the record. */
export function readAdapterJson(file: string, need: 'output' | 'answer'): AdapterRecord[] {
  let v: unknown;
  try {
    v = JSON.parse(readText(file).replace(/^\ufeff/, ''));
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    throw new DataFileError(file, null, `the file is not valid JSON (${(e as Error).message.replace(/\.$/, '')}); LLM-Adapters files are one JSON array`);
  }
  if (!Array.isArray(v)) throw new DataFileError(file, null, 'the file is not a JSON array of {instruction, input, output, answer} records');
  if (v.length === 0) throw new DataFileError(file, null, 'the file has no records (an empty split)');
  return v.map((r, i) => {
    const at = `record ${i + 1}`;
    if (!r || typeof r !== 'object') throw new DataFileError(file, null, `${at} is not an object`);
    const o = r as Record<string, unknown>;
    for (const f of ['instruction', need] as const) {
      if (typeof o[f] !== 'string' || (o[f] as string).trim() === '') throw new DataFileError(file, null, `${at} has no "${f}" text`);
    }
    const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
    return { instruction: s('instruction'), input: s('input'), output: s('output'), answer: s('answer') };
  });
}

/** Training examples: prompt → output ("the correct answer is true"). */
export function trainExamples(records: AdapterRecord[]): Example[] {
  return records.map((r) => ({ text: adapterPrompt(r), target: r.output, label: 0 }));
}

/** Test examples: prompt → answer ("true", "answer3"), scored by choice-em on the generated text. */
export function testExamples(records: AdapterRecord[]): Example[] {
  return records.map((r) => ({ text: adapterPrompt(r), target: r.answer.trim(), label: 0 }));
}

/** A task's test file under an LLM-Adapters checkout (dataset/<folder>/test.json), by key or folder name. */
export function commonsenseTestFile(root: string, task: string): string {
  const t = COMMONSENSE_TASKS.find((x) => x.key === task.toLowerCase() || x.folder === task);
  if (!t) throw new DataFileError(root, null, `"${task}" is not one of the 8 commonsense tasks (${COMMONSENSE_TASKS.map((x) => x.key).join(', ')})`);
  return path.join(root, 'dataset', t.folder, 'test.json');
}
