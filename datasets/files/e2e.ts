// The E2E NLG Challenge data (Novikova et al. 2017) in its official CSV layout: trainset.csv, devset.csv and
// testset_w_refs.csv with columns mr (meaning representation) and ref (one human text each).
import fs from 'node:fs';
import path from 'node:path';
import type { Example } from '../types.js';
import { readCsv } from './csv.js';
import { DataFileError, type RawSplit } from './rows.js';

export const E2E_FILES = { train: 'trainset.csv', dev: 'devset.csv', test: 'testset_w_refs.csv' };

/** The E2E scorer's five metrics, BLEU first (the column papers sort by). */
export const E2E_METRICS = ['e2e-bleu', 'nist', 'meteor', 'e2e-rouge-l', 'cider'];

function rowsOf(s: RawSplit): { mr: string; ref: string; line: number }[] {
  for (const c of ['mr', 'ref']) {
    if (!s.columns.includes(c)) throw new DataFileError(s.file, s.headerLine, `there is no column "${c}"; E2E files have the columns "mr" and "ref" (the columns are ${s.columns.map((x) => `"${x}"`).join(', ')})`);
  }
  return s.rows.map((r) => {
    const mr = String(r.values.mr ?? '').trim();
    const ref = String(r.values.ref ?? '').trim();
    if (!mr) throw new DataFileError(s.file, r.line, 'the meaning representation (column "mr") is empty');
    if (!ref) throw new DataFileError(s.file, r.line, 'the reference text (column "ref") is empty');
    return { mr, ref, line: r.line };
  });
}

/** Training: one example per (mr, ref) row, as the LoRA paper trains on every reference. */
export function e2eTrain(file: string): Example[] {
  return rowsOf(readCsv(file)).map((r) => ({ text: r.mr, target: r.ref, label: 0 }));
}

/** Evaluation: one example per distinct mr (in order of first appearance) holding all its references, as the scorer groups them. */
export function e2eGrouped(file: string): Example[] {
  const by = new Map<string, string[]>();
  for (const r of rowsOf(readCsv(file))) by.set(r.mr, [...(by.get(r.mr) ?? []), r.ref]);
  return [...by].map(([mr, refs]) => ({ text: mr, target: refs[0], references: refs, label: 0 }));
}

/** The split files of an E2E folder; the test file may also be testset.csv only when it holds references. */
export function e2eSplitFiles(folder: string): { train: string; dev: string | null; test: string | null } {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new DataFileError(folder, null, 'the E2E folder does not exist (expected trainset.csv, devset.csv, testset_w_refs.csv)');
  const at = (f: string) => (fs.existsSync(path.join(folder, f)) ? path.join(folder, f) : null);
  const train = at(E2E_FILES.train);
  if (!train) throw new DataFileError(folder, null, `the folder has no ${E2E_FILES.train}; the official E2E layout is trainset.csv, devset.csv, testset_w_refs.csv`);
  return { train, dev: at(E2E_FILES.dev), test: at(E2E_FILES.test) };
}
