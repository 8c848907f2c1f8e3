// Table suites: one paper's table (rows = techniques, columns = tasks) with its hyper-parameters, run on the user's
// checkpoint and data. A table expands into ordinary suites, one per column and row budget.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ROOT } from '../../core/paths.js';
import { fileDatasetSchema } from '../../datasets/files/index.js';
import { hfModelSchema } from '../model/import/index.js';
import { suiteSchema, type Suite } from './suite.js';

export const TABLES_DIR = path.join(ROOT, 'suites', 'tables');

/** Budget as papers state it: epochs, not steps (steps follow from the training set's size). */
const tableBudget = z
  .object({
    epochs: z.number().positive(),
    batch_size: z.number().int().positive(),
    lr: z.number().positive(),
    max_len: z.number().int().min(8),
    warmup_ratio: z.number().min(0).max(1),
    /** Warmup as a step count, as LLM-Adapters (100) and LoRA's GPT-2 runs (500) state it: becomes the ratio of the full run's steps. */
    warmup_steps: z.number().int().min(0),
    weight_decay: z.number().min(0),
    clip_norm: z.number().min(0),
    schedule: z.enum(['linear', 'cosine', 'constant']),
  })
  .partial()
  .strict();
export type TableBudget = z.infer<typeof tableBudget>;

const reportedRef = z.union([
  z.string(),
  /** `note`: a fragment of the reference rows' notes, where one task has a column per condition (QLoRA: fine-tuned on Alpaca or FLAN v2). */
  z.object({ task: z.string(), metric: z.string().optional(), note: z.string().optional() }).strict(),
]);

const column = z
  .object({
    /** The column's heading as the paper prints it. */
    column: z.string(),
    /** The metric id we score it by (harness/eval/metrics.ts). */
    metric: z.string(),
    /** Our metric × scale is in the paper's units (accuracy 0-1 → %: 100). */
    scale: z.number().positive().default(1),
    /** The paper's task (and metric, where one task has several columns) in the reference data; default: `column`. */
    reported: reportedRef.optional(),
    dataset: fileDatasetSchema,
    /** What the paper states for this task (epochs, lr, …), over the table's budget. */
    budget: tableBudget.default({}),
  })
  .strict();

const technique = z.union([z.string(), z.object({ id: z.string(), config: z.record(z.string(), z.unknown()).default({}) }).strict()]);

const row = z
  .object({
    /** The row's name as the paper prints it (and our label for its trials). */
    row: z.string(),
    technique,
    /** The technique's name in the reference data; a note fragment picks one of several same-named rows. */
    reported: z.string(),
    reported_note: z.string().optional(),
    /** The learning rate the paper states for this row; per column where it differs. Otherwise the budget's lr × the technique's multiplier. */
    lr: z.union([z.number().positive(), z.record(z.string(), z.number().positive())]).optional(),
    budget: tableBudget.default({}),
    /** This row's budget per column where the paper gives it per task (LoRA's batch and epochs per GLUE task), over `budget`. */
    budget_per_column: z.record(z.string(), tableBudget).optional(),
    /** Where the hyper-parameters of this row come from, when not the table's source. */
    source: z.string().optional(),
  })
  .strict();

export const tableSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case letters, digits and dashes'),
    title: z.string(),
    source: z.object({ paper: z.string(), table: z.string(), url: z.string().url(), hyperparameters: z.string() }).strict(),
    /** Which rows of data/reference/reported_results.csv hold the paper's numbers. */
    reference: z.object({ source_table: z.string(), base_model: z.string() }).strict(),
    /** What the user supplies, in words (printed by `ftbench list tables`). */
    needs: z.object({ model: z.string(), data: z.string() }).strict(),
    model: hfModelSchema,
    seeds: z.array(z.number().int().nonnegative()).min(1),
    budget: tableBudget.required({ epochs: true, batch_size: true, lr: true, max_len: true }),
    columns: z.array(column).min(1),
    /** The paper's average column, by its task name in the reference data (our average: the mean of our columns). */
    average: z.object({ column: z.string(), reported: reportedRef }).strict().optional(),
    rows: z.array(row).min(1),
    notes: z.string().optional(),
  })
  .strict();

export type Table = z.infer<typeof tableSchema>;
export type TableColumn = Table['columns'][number];
export type TableRow = Table['rows'][number];

export function builtinTables(): string[] {
  if (!fs.existsSync(TABLES_DIR)) return [];
  return fs.readdirSync(TABLES_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

/** A built-in table by id, or a YAML/JSON file; errors name the file and the field. */
export function loadTable(idOrFile: string): Table {
  const builtin = path.join(TABLES_DIR, `${idOrFile}.yaml`);
  const file = !idOrFile.includes('/') && fs.existsSync(builtin) ? builtin : idOrFile;
  if (!fs.existsSync(file)) throw new Error(`Table "${idOrFile}" is neither a built-in table (${builtinTables().join(', ')}) nor a file that exists.`);
  let raw: unknown;
  try {
    const text = fs.readFileSync(file, 'utf8');
    raw = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw new Error(`Table file ${file} cannot be parsed: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = tableSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`Table file ${file}: field "${issue.path.join('.') || '(top level)'}": ${issue.message}.`);
  }
  const cols = r.data.columns.map((c) => c.column);
  const dup = cols.find((c, i) => cols.indexOf(c) !== i);
  if (dup) throw new Error(`Table file ${file}: column "${dup}" appears twice.`);
  // Columns may share a dataset (E2E's five metrics score the same runs), but then it must be the same data and budget.
  for (const c of r.data.columns) {
    const first = r.data.columns.find((x) => x.dataset.id === c.dataset.id)!;
    if (JSON.stringify([first.dataset, first.budget]) !== JSON.stringify([c.dataset, c.budget])) {
      throw new Error(`Table file ${file}: columns "${first.column}" and "${c.column}" share dataset id "${c.dataset.id}" but not its files or budget; give each its own id.`);
    }
  }
  const rows = r.data.rows.map((x) => x.row);
  const dupRow = rows.find((c, i) => rows.indexOf(c) !== i);
  if (dupRow) throw new Error(`Table file ${file}: row "${dupRow}" appears twice.`);
  for (const x of r.data.rows) {
    for (const [what, per] of [['an lr', typeof x.lr === 'object' ? x.lr : {}], ['a budget', x.budget_per_column ?? {}]] as const) {
      const bad = Object.keys(per).find((k) => !cols.includes(k));
      if (bad) throw new Error(`Table file ${file}: row "${x.row}" gives ${what} for "${bad}", which is not a column (${cols.join(', ')}).`);
    }
    if (x.budget.warmup_steps !== undefined && x.budget.warmup_ratio !== undefined) {
      throw new Error(`Table file ${file}: row "${x.row}" gives both warmup_steps and warmup_ratio; keep the one the paper states.`);
    }
  }
  return r.data;
}

/** The paper's task and metric of a column (or the average). */
export function reportedOf(ref: z.infer<typeof reportedRef> | undefined, fallback: string): { task: string; metric?: string; note?: string } {
  return ref === undefined ? { task: fallback } : typeof ref === 'string' ? { task: ref } : ref;
}

/** `${model}` and `${data}` replaced by the user's paths, everywhere in the table. */
export function withPaths(t: Table, paths: { model?: string; data?: string }): Table {
  const sub = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return v.replace(/\$\{(model|data)\}/g, (m, k: 'model' | 'data') => {
        const p = paths[k];
        if (!p) throw new Error(`Table "${t.id}" needs --${k}: ${k === 'model' ? t.needs.model : t.needs.data}.`);
        return path.resolve(p);
      });
    }
    if (Array.isArray(v)) return v.map(sub);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)]));
    return v;
  };
  return sub(t) as Table;
}

/** The run name a table's trials are stored under; the scale is part of it, so smoke runs never mix with full ones. */
export function tableRunName(id: string, scale: number): string {
  return `table:${id}@${scale}`;
}

export interface SplitSizes { train: number; eval: number }

const EVAL_FLOOR = 32;
/** Held-out windows of the forgetting measure at full scale (harness/zoo/lm.ts's default) and at the least. */
const HELDOUT_WINDOWS = 64;
const HELDOUT_FLOOR = 8;

/**
 * The suites a table runs: per column, one suite per distinct row budget, each row a labelled technique entry.
 * Steps = epochs × training examples / batch, all three scaled: `scale` keeps that share of the training and
 * evaluation examples and of the epochs (at least one step, one batch and 32 evaluation examples), so 0.01 is a smoke
 * run of the grid.
 */
export function tableSuites(t: Table, sizes: Record<string, SplitSizes>, scale = 1): Suite[] {
  if (!(scale > 0 && scale <= 1)) throw new Error(`--scale ${scale} must be in (0, 1]; 1 runs the paper's budget.`);
  const out: Suite[] = [];
  const seen = new Set<string>();
  for (const c of t.columns) {
    if (seen.has(c.dataset.id)) continue; // a column scoring runs another column already has
    seen.add(c.dataset.id);
    const size = sizes[c.dataset.id];
    if (!size) throw new Error(`Table "${t.id}": no split sizes for column "${c.column}" (dataset "${c.dataset.id}").`);
    const groups = new Map<string, { budget: Required<Pick<TableBudget, 'epochs' | 'batch_size' | 'lr' | 'max_len'>> & TableBudget; rows: TableRow[] }>();
    for (const r of t.rows) {
      const levels: TableBudget[] = [t.budget, c.budget, r.budget, r.budget_per_column?.[c.column] ?? {}];
      const b = Object.assign({}, ...levels) as typeof t.budget;
      // Warmup as steps or as a ratio: the most specific level that states either decides.
      const warm = [...levels].reverse().find((l) => l.warmup_steps !== undefined || l.warmup_ratio !== undefined);
      if (warm?.warmup_steps !== undefined) delete b.warmup_ratio;
      else delete b.warmup_steps;
      const key = JSON.stringify(b);
      if (!groups.has(key)) groups.set(key, { budget: b, rows: [] });
      groups.get(key)!.rows.push(r);
    }
    for (const { budget: b, rows } of groups.values()) {
      const trainN = scale < 1 ? Math.min(size.train, Math.max(b.batch_size, Math.ceil(scale * size.train))) : size.train;
      // At least 32 evaluation examples: scoring is cheap, and correlations and MCC need more than a handful.
      const evalN = scale < 1 ? Math.min(size.eval, Math.max(EVAL_FLOOR, Math.ceil(scale * size.eval))) : undefined;
      const steps = Math.max(1, Math.ceil((scale * b.epochs * trainN) / b.batch_size));
      // Warmup stated in steps keeps its share of the paper's run (100 of 32k steps stays 0.3%) at any scale.
      const fullSteps = Math.max(1, Math.ceil((b.epochs * size.train) / b.batch_size));
      const warmup = b.warmup_steps !== undefined ? Math.min(1, b.warmup_steps / fullSteps) : b.warmup_ratio;
      const suite = {
        name: tableRunName(t.id, scale),
        description: `${t.title}, column ${c.column}${scale < 1 ? ` at scale ${scale}` : ''}`,
        models: [t.model],
        datasets: [c.dataset],
        techniques: rows.map((r) => ({
          ...(typeof r.technique === 'string' ? { id: r.technique, config: {} } : r.technique),
          label: r.row,
          ...(typeof r.lr === 'number' ? { lr: r.lr } : r.lr?.[c.column] !== undefined ? { lr: r.lr[c.column] } : {}),
        })),
        seeds: t.seeds,
        budget: {
          steps, batch_size: b.batch_size, lr: b.lr, max_len: b.max_len,
          ...(warmup !== undefined ? { warmup_ratio: warmup } : {}),
          ...(b.weight_decay !== undefined ? { weight_decay: b.weight_decay } : {}),
          ...(b.clip_norm !== undefined ? { clip_norm: b.clip_norm } : {}),
          ...(b.schedule !== undefined ? { schedule: b.schedule } : {}),
          // A smoke run also measures forgetting on fewer held-out windows (8 at 0.01; 64 at full scale).
          ...(scale < 1 ? { train_examples: trainN, eval_examples: evalN, heldout_windows: Math.max(HELDOUT_FLOOR, Math.ceil(HELDOUT_WINDOWS * scale)) } : {}),
        },
      };
      out.push(suiteSchema.parse(suite));
    }
  }
  return out;
}
