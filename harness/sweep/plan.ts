// The planner: a suite becomes a deterministic list of trials, each with the hash that identifies its result.
import type { AnyTechnique } from '../plugin.js';
import type { Registry } from '../../core/registry.js';
import { hashOf } from '../../core/hash.js';
import { budgetFor, datasetIdOf, modelIdOf, type Suite, type SuiteBudget, type TechniqueEntry } from './suite.js';

export interface PlannedTrial {
  index: number;
  model: string;
  dataset: string;
  technique: AnyTechnique;
  /** Validated, complete technique config. */
  config: Record<string, unknown>;
  label: string;
  lr: number;
  seed: number;
  budget: SuiteBudget;
}

function entryOf(e: TechniqueEntry) {
  return typeof e === 'string' ? { id: e, config: {}, lr: undefined, label: undefined } : e;
}

/** Validates every technique id and config up front, so a typo fails before any training. */
export function plan(suite: Suite, techniques: Registry<AnyTechnique>): PlannedTrial[] {
  const entries = suite.techniques.map((raw) => {
    const e = entryOf(raw);
    const technique = techniques.get(e.id);
    const config = technique.validate(e.config) as Record<string, unknown>;
    return { technique, config, label: e.label ?? e.id, lr: e.lr };
  });
  const out: PlannedTrial[] = [];
  for (const model of suite.models.map(modelIdOf))
    for (const d of suite.datasets) {
      const budget = budgetFor(suite, d);
      for (const seed of suite.seeds)
        for (const e of entries) {
          const lr = e.lr ?? budget.lr * (e.technique.lrMultiplier ?? 1);
          out.push({ index: out.length, model, dataset: datasetIdOf(d), seed, budget, ...e, lr });
        }
    }
  // The same technique, config, rate and seed twice would be one result stored twice (and a UNIQUE violation after
  // training): refuse it here, naming both entries.
  const seen = new Map<string, PlannedTrial>();
  for (const t of out) {
    const key = hashOf({ model: t.model, dataset: t.dataset, technique: t.technique.id, config: t.config, lr: t.lr, seed: t.seed, budget: t.budget });
    const first = seen.get(key);
    if (first) {
      const twice = first.seed === t.seed && first.label === t.label ? `seed ${t.seed} is listed twice in seeds` : `entries "${first.label}" and "${t.label}" are the same technique with the same config and rate`;
      throw new Error(`Suite "${suite.name}" plans the trial ${t.technique.id} on ${t.model}/${t.dataset} seed ${t.seed} twice (${twice}); list each once.`);
    }
    seen.set(key, t);
  }
  return out;
}

/** Everything that changes a trial's result: base checkpoint, data, technique and config, seed, budget, backend. */
export function configHash(t: PlannedTrial, ctx: { checkpointHash: string; datasetHash: string; backend: string }): string {
  return hashOf({
    model: t.model,
    checkpoint: ctx.checkpointHash,
    dataset: t.dataset,
    data: ctx.datasetHash,
    technique: t.technique.id,
    config: t.config,
    lr: t.lr,
    seed: t.seed, // also seeds the adapter init and the head
    budget: t.budget,
    backend: ctx.backend,
  });
}
