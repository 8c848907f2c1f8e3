// Rows read from a user's files become typed examples in fixed splits; every problem is one sentence naming file and line.
import { unitHash } from '../split.js';
import type { Example, Splits, TaskKind } from '../types.js';
import { maxOf, minOf } from '../../core/extent.js';

/** A problem in a data file: which file, which line (1-based, as an editor shows it; null when none applies), what. */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly problem: string,
    unit: 'line' | 'row' = 'line',
  ) {
    super(`${file}${line ? `, ${unit} ${line}` : ''}: ${problem}`);
  }
}

/** One record as a reader found it: its named values and the line it starts on (row number + 1 for Parquet). */
export interface Row {
  line: number;
  values: Record<string, unknown>;
}

/** One split's file as read: the columns it has, its rows, and the line of its header (for "missing column"). */
export interface RawSplit {
  file: string;
  columns: string[];
  rows: Row[];
  headerLine: number;
  /** 'row' for formats without text lines (Parquet). */
  unit?: 'line' | 'row';
}

export type FileTask = Exclude<TaskKind, 'language-modeling'>;

/** Which column holds what; `labels` names the classes in label order (string labels are looked up in it). */
export interface FieldMap {
  text: string;
  text2?: string;
  label?: string;
  target?: string;
  choices?: string | string[];
  labels?: string[];
}

/** The first of `candidates` a file has, or the first candidate (so the error names what was looked for). */
export function pickColumn(columns: string[], explicit: string | undefined, candidates: string[]): string {
  if (explicit) return explicit;
  return candidates.find((c) => columns.includes(c)) ?? candidates[0];
}

function requireColumn(s: RawSplit, col: string, what: string): void {
  if (!s.columns.includes(col)) {
    throw new DataFileError(s.file, s.unit === 'row' ? null : s.headerLine, `there is no column "${col}" (the ${what}); the columns are ${s.columns.map((c) => `"${c}"`).join(', ') || 'none'}`);
  }
}

const isMissing = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** A split without labels: no label column, or every label empty or -1 (GLUE's and Hugging Face's unlabelled test sets). */
export function unlabelled(s: RawSplit, fields: FieldMap, task: FileTask): boolean {
  const col = task === 'generation' ? fields.target! : fields.label!;
  if (!s.columns.includes(col)) return true;
  return s.rows.every((r) => isMissing(r.values[col]) || r.values[col] === -1 || r.values[col] === '-1' || r.values[col] === -1n);
}

/** More classes than any task has; a larger integer label is a data error, not a request for a billion-way head. */
const MAX_CLASSES = 100_000;

/** How raw label values become class indices: from `labels` when given, else learnt from the training split. */
export function classNames(train: RawSplit, fields: FieldMap): string[] {
  if (fields.labels) return fields.labels;
  const col = fields.label!;
  const values = train.rows.map((r) => r.values[col]).filter((v) => !isMissing(v));
  if (values.every((v) => typeof v === 'boolean')) return ['false', 'true'];
  const ints = values.map(integerLabel);
  if (ints.every((n) => Number.isInteger(n))) {
    const bad = train.rows.find((r) => {
      const v = r.values[col];
      const n = Number(v);
      return !isMissing(v) && n < 0;
    });
    if (bad) throw new DataFileError(train.file, bad.line, `the label ${JSON.stringify(String(bad.values[col]))} is negative; class labels are 0, 1, 2, ... or names`, train.unit);
    const max = maxOf(ints);
    if (max >= MAX_CLASSES) {
      const row = train.rows.find((r) => Number(r.values[col]) === max)!;
      throw new DataFileError(train.file, row.line, `the label ${max} would make ${max + 1} classes; integer labels are class indices 0, 1, 2, ... (name the classes with labels: [...] instead)`, train.unit);
    }
    return Array.from({ length: max + 1 }, (_, i) => String(i));
  }
  // Numbers with a stray string (or a fraction) among them would silently become a new class: name the odd one out.
  if (ints.some((n) => Number.isInteger(n))) {
    const odd = train.rows.find((r) => !isMissing(r.values[col]) && !Number.isInteger(Number(r.values[col])));
    if (odd) throw new DataFileError(train.file, odd.line, `the label ${JSON.stringify(typeof odd.values[col] === 'object' ? odd.values[col] : String(odd.values[col]))} (column "${col}") is not an integer class index like the other labels; fix it or give labels: [...]`, train.unit);
  }
  // A fraction, a list or an object is never a class name: learning classes from them would invent one per value.
  const odd = train.rows.find((r) => !isMissing(r.values[col]) && (typeof r.values[col] === 'object' || FRACTION.test(String(r.values[col]).trim())));
  if (odd) {
    const v = odd.values[col];
    const what = typeof v === 'object' ? `${JSON.stringify(v)} is ${Array.isArray(v) ? 'a list' : 'an object'}` : `${JSON.stringify(String(v))} is a fraction`;
    throw new DataFileError(train.file, odd.line, `the label ${what} (column "${col}"); classification labels are class indices 0, 1, 2, ... or names (a numeric target is task: regression)`, train.unit);
  }
  return [...new Set(values.map((v) => String(v).trim()))].sort();
}

/** A number with digits after the point that are not all zeros ("0.5", 2.25, "1e-3" is left to the string check). */
const FRACTION = /^-?\d*\.\d*[1-9]\d*$/;

/** An integer class index as files write it: 1, 1n, "1", and "1.0" (pandas writes integer columns as floats when one is empty). */
function integerLabel(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.0*)?$/.test(v.trim())) return Number(v);
  return NaN;
}

type Fail = (line: number | null, problem: string) => DataFileError;

function classIndex(v: unknown, names: string[], fail: Fail, line: number, col: string): number {
  if (isMissing(v)) throw fail(line, `the label (column "${col}") is empty`);
  if (typeof v === 'boolean' && names.length === 2 && names[0] === 'false') return v ? 1 : 0;
  const s = String(v).trim();
  const byName = names.indexOf(s);
  if (byName >= 0) return byName;
  const index = integerLabel(s);
  if (index >= 0 && index < names.length) return index;
  throw fail(line, `the label ${JSON.stringify(s)} is not one of the classes ${names.map((n, i) => `${i}=${n}`).join(', ')}`);
}

function textOf(v: unknown, fail: Fail, line: number, col: string): string {
  if (v === null || v === undefined) throw fail(line, `column "${col}" has no value`);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  throw fail(line, `column "${col}" holds ${Array.isArray(v) ? 'a list' : 'an object'}, not text`);
}

/** Checks the columns a labelled split needs, then turns each row into an Example. */
export function toExamples(s: RawSplit, task: FileTask, fields: FieldMap, names: string[] | undefined): Example[] {
  const fail: Fail = (line, problem) => new DataFileError(s.file, line, problem, s.unit);
  requireColumn(s, fields.text, 'text');
  if (task === 'pair-classification') requireColumn(s, fields.text2!, 'second text');
  if (task === 'generation') requireColumn(s, fields.target!, 'target text');
  else requireColumn(s, fields.label!, 'label');
  const choiceCols = typeof fields.choices === 'string' ? [fields.choices] : fields.choices ?? [];
  if (task === 'multiple-choice') for (const c of choiceCols) requireColumn(s, c, 'choices');
  if (s.rows.length === 0) throw fail(null, 'the file has no examples (an empty split)');
  return s.rows.map(({ line, values }) => {
    const ex: Example = { text: textOf(values[fields.text], fail, line, fields.text), label: 0 };
    if (task === 'pair-classification') ex.text2 = textOf(values[fields.text2!], fail, line, fields.text2!);
    if (task === 'classification' || task === 'pair-classification') ex.label = classIndex(values[fields.label!], names!, fail, line, fields.label!);
    else if (task === 'regression') {
      const raw = values[fields.label!];
      const y = typeof raw === 'bigint' ? Number(raw) : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      const shown = raw !== null && typeof raw === 'object' ? JSON.stringify(raw) : JSON.stringify(raw === undefined ? null : String(raw));
      if (typeof y !== 'number' || !Number.isFinite(y)) throw fail(line, `the label ${shown} (column "${fields.label}") is not a number`);
      ex.label = y;
    } else if (task === 'generation') ex.target = textOf(values[fields.target!], fail, line, fields.target!);
    else {
      const choices = choicesOf(values, choiceCols, fail, line);
      ex.choices = choices;
      const v = values[fields.label!];
      const names = fields.labels ?? choices.map((_, i) => String(i));
      ex.label = classIndex(v, names, fail, line, fields.label!);
      if (ex.label >= choices.length) throw fail(line, `the answer ${ex.label} is past the ${choices.length} choices`);
    }
    return ex;
  });
}

function choicesOf(values: Record<string, unknown>, cols: string[], fail: Fail, line: number): string[] {
  if (cols.length === 1) {
    const v = values[cols[0]];
    const list = typeof v === 'string' && v.trim().startsWith('[') ? safeJson(v) : v;
    if (!Array.isArray(list) || list.length < 2) throw fail(line, `column "${cols[0]}" is not a list of at least two choices`);
    return list.map((c) => textOf(c, fail, line, cols[0]));
  }
  return cols.map((c) => textOf(values[c], fail, line, c));
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/**
 * Fixed splits from what the files provide. A missing or unlabelled test split is replaced by dev (GLUE's practice:
 * its test labels are hidden), and a dev split is then carved from train by a hash of the example, so the same
 * files always give the same splits. Returns the splits and one sentence per substitution, for the card.
 */
export function assembleSplits(
  train: Example[],
  dev: Example[] | null,
  test: Example[] | null,
  devFraction: number,
): { splits: Splits; notes: string[] } {
  const notes: string[] = [];
  const carve = (rows: Example[], salt: string, fraction: number) => {
    const key = (e: Example) => `${e.text}\u0000${e.text2 ?? ''}\u0000${e.target ?? ''}`;
    const h = rows.map((e) => unitHash(key(e), salt));
    // At least the lowest-hash example (and its duplicates), so a small file still gets a non-empty split.
    const cut = rows.length > 1 ? Math.max(fraction, minOf(h)) : -1;
    const out: Example[] = [];
    const rest: Example[] = [];
    rows.forEach((e, i) => (h[i] <= cut ? out : rest).push(e));
    return { out, rest };
  };
  if (!test && dev) {
    test = dev;
    dev = null;
    notes.push('the test split is the provided dev/validation file (the provided test file is missing or has no labels)');
  }
  if (!test) {
    const c = carve(train, 'file-test', devFraction);
    test = c.out;
    train = c.rest;
    notes.push(`the test split is ${(devFraction * 100).toFixed(0)}% of the training file, chosen by a hash of each example's text`);
  }
  if (!dev) {
    const c = carve(train, 'file-dev', devFraction);
    dev = c.out;
    train = c.rest;
    notes.push(`the dev split is ${(devFraction * 100).toFixed(0)}% of the training file, chosen by a hash of each example's text (identical texts stay together)`);
  }
  return { splits: { train, dev, test }, notes };
}
