// MMLU (Hendrycks et al. 2021) in its official CSV layout: <data>/{dev,val,test}/<subject>_<split>.csv, headerless rows
// (question, A, B, C, D, answer), each test question asked after k solved dev questions of its subject, as the
// authors' evaluate.py builds its prompts.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Example } from '../types.js';
import { readText } from './csv.js';
import { DataFileError } from './rows.js';

/** The answer letters; the model's answer is the letter it finds most likely after "Answer:". */
export const MMLU_CHOICES = ['A', 'B', 'C', 'D'];

export type MmluSplit = 'dev' | 'val' | 'test';

export interface MmluQuestion {
  subject: string;
  question: string;
  options: [string, string, string, string];
  answer: string;
}

/** "high_school_biology" → " high school biology", as evaluate.py's format_subject. */
function subjectWords(subject: string): string {
  return subject.split('_').map((w) => ` ${w}`).join('');
}

/** One question with its options, and its answer when solved (a shot) or "Answer:" left open (the question asked). */
function formatQuestion(q: MmluQuestion, solved: boolean): string {
  const opts = q.options.map((o, i) => `\n${MMLU_CHOICES[i]}. ${o}`).join('');
  return `${q.question}${opts}\nAnswer:${solved ? ` ${q.answer}\n\n` : ''}`;
}

/** evaluate.py's prompt: the subject line, the k shots, then the question, ending "Answer:". */
export function mmluPrompt(q: MmluQuestion, shots: MmluQuestion[]): string {
  return `The following are multiple choice questions (with answers) about${subjectWords(q.subject)}.\n\n${shots.map((s) => formatQuestion(s, true)).join('')}${formatQuestion(q, false)}`;
}

/** The subjects of a split folder (`<subject>_<split>.csv`), sorted. */
export function mmluSubjects(root: string, split: MmluSplit): string[] {
  const dir = path.join(root, split);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new DataFileError(dir, null, `the folder does not exist; MMLU's data folder holds dev/, val/ and test/ with <subject>_<split>.csv files`);
  }
  const suffix = `_${split}.csv`;
  const subjects = fs.readdirSync(dir).filter((f) => f.endsWith(suffix)).map((f) => f.slice(0, -suffix.length)).sort();
  if (subjects.length === 0) throw new DataFileError(dir, null, `the folder has no <subject>${suffix} files`);
  return subjects;
}

/** A subject's questions in one split; every row needs 6 fields and an answer A–D, else one sentence names the line. */
export function readMmluFile(root: string, subject: string, split: MmluSplit): MmluQuestion[] {
  const file = path.join(root, split, `${subject}_${split}.csv`);
  const text = readText(file);
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { bom: true, info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof rows;
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new DataFileError(file, err.lines ?? null, `it is not valid CSV (${err.message.split('\n')[0].replace(/\.$/, '')})`);
  }
  if (rows.length === 0) throw new DataFileError(file, null, 'the file has no questions (an empty split)');
  return rows.map(({ record: r, info }) => {
    if (r.length !== 6) throw new DataFileError(file, info.lines, `the row has ${r.length} fields; MMLU rows are question, A, B, C, D, answer (no header)`);
    const answer = r[5].trim();
    if (!MMLU_CHOICES.includes(answer)) throw new DataFileError(file, info.lines, `the answer "${answer}" is not one of A, B, C, D`);
    return { subject, question: r[0], options: [r[1], r[2], r[3], r[4]], answer };
  });
}

/**
 * Examples of a split, subject by subject: the prompt with the first `shots` dev questions of the subject, the
 * answer letter as target and label, the four letters as choices.
 */
export function mmluExamples(root: string, split: Exclude<MmluSplit, 'dev'>, shots: number, only?: string[]): Example[] {
  let subjects = mmluSubjects(root, split);
  if (only) {
    const missing = only.find((s) => !subjects.includes(s));
    if (missing) throw new DataFileError(path.join(root, split), null, `it has no ${missing}_${split}.csv (subjects there: ${subjects.slice(0, 5).join(', ')}${subjects.length > 5 ? ', …' : ''})`);
    subjects = only;
  }
  return subjects.flatMap((subject) => {
    const dev = shots > 0 ? readMmluFile(root, subject, 'dev') : [];
    if (dev.length < shots) throw new DataFileError(path.join(root, 'dev', `${subject}_dev.csv`), null, `it has ${dev.length} questions; a ${shots}-shot prompt needs ${shots}`);
    return readMmluFile(root, subject, split).map((q) => ({ text: mmluPrompt(q, dev.slice(0, shots)), target: q.answer, label: MMLU_CHOICES.indexOf(q.answer), choices: MMLU_CHOICES }));
  });
}
