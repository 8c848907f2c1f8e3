// Suite files (YAML or JSON): which models, datasets, techniques and seeds to run, under one training budget.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ROOT } from '../../core/paths.js';
import { fileDatasetSchema, type FileDatasetEntry } from '../../datasets/files/index.js';
import { hfModelSchema, type HfModelEntry } from '../model/import/index.js';
import { PRECISIONS } from '../backend/precision.js';

const techniqueEntry = z.union([
  z.string(),
  z
    .object({
      id: z.string(),
      config: z.record(z.string(), z.unknown()).default({}),
      /** Overrides the learning rate (otherwise budget.lr × the technique's lrMultiplier). */
      lr: z.number().positive().optional(),
      /** Name shown in reports when the same technique runs with several configs. */
      label: z.string().optional(),
    })
    .strict(),
]);

const budget = z
  .object({
    steps: z.number().int().positive(),
    batch_size: z.number().int().positive(),
    eval_every: z.number().int().nonnegative().default(0),
    lr: z.number().positive(),
    max_len: z.number().int().min(8).default(128),
    warmup_ratio: z.number().min(0).max(1).default(0.06),
    weight_decay: z.number().min(0).default(0.01),
    clip_norm: z.number().min(0).default(1.0),
    schedule: z.enum(['linear', 'cosine', 'constant']).default('linear'),
    /** Use only the first N training examples (the built sets are shuffled once, so this is a random subset). */
    train_examples: z.number().int().positive().optional(),
    /** Evaluate on at most N dev/test examples. */
    eval_examples: z.number().int().positive().optional(),
    /** 'mixed': f16 matrix products on WebGPU with shader-f16, f32 master weights and optimizer state
        (harness/backend/precision.ts); absent means fp32, and other backends refuse 'mixed' at plan time. */
    precision: z.enum(PRECISIONS).optional(),
    /**
     * Windows of held-out pretraining text behind the forgetting measure (default 64). On a 125M model with a 50k
     * vocabulary they cost more than a smoke run's training step, so table runs at --scale < 1 take fewer.
     */
    heldout_windows: z.number().int().positive().optional(),
    /** Activation checkpointing: each block's activations are recomputed in the backward pass (big models: memory for time). */
    gradient_checkpointing: z.boolean().optional(), // optional, not default(false): absent keeps earlier trials' config hashes
  })
  .strict();

/** A built-in task with its own budget: fields given here replace the suite's (e.g. more steps for a harder task). */
const budgetOverride = z
  .object(Object.fromEntries(Object.entries(budget.shape).map(([k, v]) => [k, (v instanceof z.ZodDefault ? v.unwrap() : v).optional()])))
  .strict() as unknown as z.ZodType<Partial<z.infer<typeof budget>>>; // unset fields keep the suite's values, not budget's defaults
const builtinDatasetEntry = z.object({ id: z.string(), budget: budgetOverride }).strict();

export const suiteSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Built-in model ids, or local Hugging Face checkpoints ({ id, format: hf, path }). */
    models: z.array(z.union([z.string(), hfModelSchema])).min(1),
    /** Built-in dataset ids (alone, or { id, budget } to override budget fields for that task), or entries pointing
        at a user's files (datasets/files). */
    datasets: z.array(z.union([z.string(), builtinDatasetEntry, fileDatasetSchema])).min(1),
    techniques: z.array(techniqueEntry).min(1),
    seeds: z.array(z.number().int().nonnegative()).min(1).default([0]),
    budget,
  })
  .strict();

export type Suite = z.infer<typeof suiteSchema>;
export type SuiteBudget = Suite['budget'];
export type TechniqueEntry = z.infer<typeof techniqueEntry>;
export type DatasetEntry = string | z.infer<typeof builtinDatasetEntry> | FileDatasetEntry;

export function isFileDataset(d: DatasetEntry): d is FileDatasetEntry {
  return typeof d !== 'string' && 'format' in d;
}

/** The suite's budget with a dataset entry's overrides applied. */
export function budgetFor(suite: Pick<Suite, 'budget'>, d: DatasetEntry): SuiteBudget {
  if (typeof d === 'string' || isFileDataset(d)) return fp32Implied(suite.budget);
  const set = Object.entries(d.budget).filter(([, v]) => v !== undefined);
  return fp32Implied({ ...suite.budget, ...Object.fromEntries(set) });
}

/** precision fp32 written out is the default left out: the same trial, the same config hash as before the field existed. */
function fp32Implied(b: SuiteBudget): SuiteBudget {
  if (b.precision !== 'fp32') return b;
  const { precision: _fp32, ...rest } = b;
  return rest;
}

export type ModelEntry = string | HfModelEntry;

/** The id a model entry goes by in trials and results. */
export function modelIdOf(m: ModelEntry): string {
  return typeof m === 'string' ? m : m.id;
}

/** The id a dataset entry goes by in trials and results. */
export function datasetIdOf(d: DatasetEntry): string {
  return typeof d === 'string' ? d : d.id;
}

export const SUITES_DIR = path.join(ROOT, 'suites');

export function builtinSuites(): string[] {
  return fs
    .readdirSync(SUITES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** A built-in suite by name, or a YAML/JSON file by path; errors name the file and the bad field. */
export function loadSuite(nameOrFile: string): Suite {
  const builtin = path.join(SUITES_DIR, `${nameOrFile}.yaml`);
  const file = fs.existsSync(builtin) && !nameOrFile.includes('/') ? builtin : nameOrFile;
  if (!fs.existsSync(file)) {
    throw new Error(`Suite "${nameOrFile}" is neither a built-in suite (${builtinSuites().join(', ')}) nor a file that exists.`);
  }
  let raw: unknown;
  try {
    const text = fs.readFileSync(file, 'utf8');
    raw = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw new Error(`Suite file ${file} cannot be parsed: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = suiteSchema.safeParse(raw);
  if (!r.success) {
    let issue = r.error.issues[0];
    if (issue.code === 'invalid_union') {
      // "a string or an object": report the complaint of the object branch that fits best (fewest issues), not zod's
      // generic "Invalid input".
      const branch = issue.errors
        .filter((b) => !(b[0]?.code === 'invalid_type' && b[0].path.length === 0))
        .reduce<(typeof issue.errors)[number] | undefined>((best, b) => (!best || b.length < best.length ? b : best), undefined);
      if (branch?.[0]) issue = { ...branch[0], path: [...issue.path, ...branch[0].path] } as typeof issue;
    }
    const keys = issue.code === 'unrecognized_keys' ? ` (${(issue as { keys: string[] }).keys.join(', ')})` : '';
    throw new Error(`Suite file ${file}: field "${issue.path.join('.') || '(top level)'}"${keys}: ${issue.message}.`);
  }
  // File datasets' and imported models' paths are relative to the suite file; ids must be unique.
  const dir = path.dirname(path.resolve(file));
  const data = {
    ...r.data,
    models: r.data.models.map((m) => (typeof m === 'string' ? m : { ...m, path: path.resolve(dir, m.path) })),
    datasets: r.data.datasets.map((d) => (isFileDataset(d) ? { ...d, path: path.resolve(dir, d.path) } : d)),
  };
  const modelIds = data.models.map(modelIdOf);
  const dupModel = modelIds.find((id, i) => modelIds.indexOf(id) !== i);
  if (dupModel) throw new Error(`Suite file ${file}: model id "${dupModel}" appears twice; give each imported checkpoint its own id.`);
  const ids = data.datasets.map(datasetIdOf);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new Error(`Suite file ${file}: dataset id "${dup}" appears twice; give each file dataset its own id.`);
  return data;
}
