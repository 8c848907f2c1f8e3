// Plan-time checks of a sweep's trials against the memory the backend has, before any training (one estimate:
// harness/model/memory.ts).
//
// Two outcomes, by where the base comes from. A built-in base is a few million parameters, so an estimate past memory
// can only come from the suite's own numbers (a rank or batch size off by orders of magnitude): the whole sweep is
// refused before anything is stored, as a typo should be. An imported checkpoint is a question of size (full
// fine-tuning of a 7B base on a 24 GiB machine): that trial is stored failed with the sentence, as a survey's table
// marks an out-of-memory cell, and the sweep goes on; it is judged from config.json before any weight is read.
import type { ModelConfig } from '../model/config.js';
import { memoryLimit, refusal, type TrialShape } from '../model/memory.js';
import { hfModelConfig } from '../model/import/index.js';
import type { PlannedTrial } from './plan.js';
import type { Suite } from './suite.js';
import { mixedUnsupported } from '../backend/precision.js';

/** The estimate's view of a planned trial: batch and length, whether it trains everything, packs the base, checkpoints. */
export function trialShape(t: PlannedTrial, c: ModelConfig): TrialShape {
  return {
    batchSize: t.budget.batch_size,
    seqLen: Math.min(t.budget.max_len, c.maxLen),
    config: t.config as Record<string, unknown>,
    trainsAll: t.technique.properties.changesBase,
    packed: Boolean(t.technique.packAtLoad?.(t.config)),
    checkpointing: t.budget.gradient_checkpointing ?? false,
  };
}

/** Null when the trial fits the backend's memory, else the one sentence that refuses it. */
export function trialRefusal(t: PlannedTrial, c: ModelConfig, backend: string): string | null {
  const s = trialShape(t, c);
  return refusal(`Trial ${t.label} on ${t.model}/${t.dataset} (batch_size ${s.batchSize}, max_len ${s.seqLen})`, c, s, memoryLimit(backend), backend);
}

/** Throws one sentence for the first trial whose estimated training memory exceeds the backend's. */
export function checkTrialMemory(trials: PlannedTrial[], configOf: (model: string) => ModelConfig, backend: string): void {
  for (const t of trials) {
    const no = trialRefusal(t, configOf(t.model), backend);
    if (no) throw new Error(no);
  }
}

/** Trials on imported (config.json) bases that cannot fit, each with its refusal sentence; no weight is read. */
export function refusedImportedTrials(suite: Suite, trials: PlannedTrial[], backend: string): Map<PlannedTrial, string> {
  const out = new Map<PlannedTrial, string>();
  for (const entry of suite.models) {
    if (typeof entry === 'string') continue;
    const c = hfModelConfig(entry.path);
    for (const t of trials.filter((x) => x.model === entry.id)) {
      const no = trialRefusal(t, c, backend);
      if (no) out.set(t, no);
    }
  }
  return out;
}

/** Throws one sentence for the first trial asking for a precision the backend cannot give (never a silent fp32 run). */
export function checkPrecision(trials: PlannedTrial[], backend: { name: string; features?: string[] }): void {
  const t = trials.find((x) => x.budget.precision === 'mixed');
  const why = t ? mixedUnsupported(backend) : null;
  if (t && why) {
    throw new Error(`Trial ${t.label} on ${t.model}/${t.dataset} asks for budget.precision "mixed", but ${why}: remove precision (fp32 is the default) or run with --backend webgpu on a GPU that has shader-f16.`);
  }
}
