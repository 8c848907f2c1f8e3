// Plan-time checks of a sweep's trials against the memory the backend has, before any training (one estimate:
// harness/model/memory.ts).
//
// A trial that cannot fit is stored as failed with the estimate's sentence and the sweep goes on, whatever its base
// (a survey's table marks an out-of-memory cell; full fine-tuning of a 7B base on a 24 GiB machine must not stop the
// LoRA trials beside it). It is judged from the base's config and tokenizer alone (config.json and tokenizer.json of an
// imported checkpoint, the preset of a built-in one), before any weight is read or pretrained, so a base whose trials
// are all refused is never loaded. Activations are sized by the longest tokenised training example, as batches pad to
// their longest row, not to max_len (CoLA's sentences are ~60 tokens; its table asks for batch 32 × max_len 512); the
// encoded rows are kept for the trials (TrainRows), so nothing is tokenised twice.
import type { ModelConfig } from '../model/config.js';
import { memoryLimit, refusal, type TrialShape } from '../model/memory.js';
import type { Dataset } from '../../datasets/types.js';
import { plannedBase } from '../zoo/bases.js';
import { kindUnsupported, objectiveFor, type Encoder } from '../train/objectives/index.js';
import type { PlannedTrial } from './plan.js';
import { modelIdOf, type Suite } from './suite.js';
import type { TrainRows } from './train-rows.js';
import { mixedUnsupported } from '../backend/precision.js';

/** What the estimate reads of a base before it is loaded. */
export interface PlannedBase {
  config: ModelConfig;
  tokenizer: Encoder;
}

/**
 * The estimate's view of a planned trial: batch and row length (the longest training row when known, else max_len
 * capped at the model's), whether it trains everything, packs the base, checkpoints.
 */
export function trialShape(t: PlannedTrial, c: ModelConfig, longest: number | null = null): TrialShape {
  return {
    batchSize: t.budget.batch_size,
    seqLen: longest ?? Math.min(t.budget.max_len, c.maxLen),
    config: t.config as Record<string, unknown>,
    trainsAll: t.technique.properties.changesBase,
    packed: Boolean(t.technique.packAtLoad?.(t.config)),
    checkpointing: t.budget.gradient_checkpointing ?? false,
  };
}

/**
 * Tokens in the trial's longest training row (its split tokenised once into `rows`, which the trial then batches), or
 * null where the plan cannot bound it: a technique that also trains on other tasks (their lengths are not read here),
 * or data the objective cannot encode (the trial fails with that sentence where it runs).
 */
export function longestRow(t: PlannedTrial, base: PlannedBase, dataset: Dataset, rows: TrainRows): number | null {
  if (t.technique.otherTasks?.(t.config).some((id) => id !== t.dataset)) return null;
  const maxLen = Math.min(t.budget.max_len, base.config.maxLen);
  try {
    return rows.of(t, maxLen, dataset.splits.train, objectiveFor(dataset, base.tokenizer, maxLen).encode).longest;
  } catch {
    return null;
  }
}

/** Null when the trial fits the backend's memory, else the one sentence that refuses it, naming the length it assumed. */
export function trialRefusal(t: PlannedTrial, c: ModelConfig, backend: string, longest: number | null = null): string | null {
  const s = trialShape(t, c, longest);
  const why = longest === null ? 'max_len' : longest < Math.min(t.budget.max_len, c.maxLen) ? 'the longest example' : 'max_len, which the longest example reaches';
  return refusal(`Trial ${t.label} on ${t.model}/${t.dataset} at batch ${s.batchSize} × ${s.seqLen} tokens (${why})`, c, s, memoryLimit(backend), backend);
}

/** The config and tokenizer of every base the trials use, read once (a bad config.json stops the sweep here). */
export async function plannedBases(suite: Suite, trials: PlannedTrial[]): Promise<Map<string, PlannedBase>> {
  const out = new Map<string, PlannedBase>();
  for (const entry of suite.models) {
    const id = modelIdOf(entry);
    if (trials.some((t) => t.model === id)) out.set(id, await plannedBase(entry));
  }
  return out;
}

/**
 * A sweep's trials that cannot fit, each with its refusal sentence, judged before any base is loaded or pretrained.
 * Only these trials' training splits are tokenised (a resumed sweep passes the ones it has not stored).
 */
export async function refusedTrials(suite: Suite, trials: PlannedTrial[], datasets: Map<string, Dataset>, rows: TrainRows, backend: string,
  bases?: Map<string, PlannedBase>): Promise<Map<PlannedTrial, string>> {
  const planned = bases ?? (await plannedBases(suite, trials));
  const out = new Map<PlannedTrial, string>();
  for (const t of trials) {
    const no = plannedRefusal(t, planned.get(t.model)!, datasets.get(t.dataset)!, rows, backend);
    if (no) out.set(t, no);
  }
  return out;
}

/** One trial's refusal from its planned base and data (null: it fits, or its task kind is skipped where it runs). */
export function plannedRefusal(t: PlannedTrial, base: PlannedBase, dataset: Dataset, rows: TrainRows, backend: string): string | null {
  if (kindUnsupported(dataset.kind, base.config.family)) return null;
  return trialRefusal(t, base.config, backend, longestRow(t, base, dataset, rows));
}

/** Throws one sentence for the first trial asking for a precision the backend cannot give (never a silent fp32 run). */
export function checkPrecision(trials: PlannedTrial[], backend: { name: string; features?: string[] }): void {
  const t = trials.find((x) => x.budget.precision === 'mixed');
  const why = t ? mixedUnsupported(backend) : null;
  if (t && why) {
    throw new Error(`Trial ${t.label} on ${t.model}/${t.dataset} asks for budget.precision "mixed", but ${why}: remove precision (fp32 is the default) or run with --backend webgpu on a GPU that has shader-f16.`);
  }
}
