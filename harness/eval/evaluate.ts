// Evaluation: predictions (numbers, or decoded text for generation) over a split in batches, scored by the dataset's metrics.
import type { Model } from '../model/model.js';
import { disposeBatch, makeBatch, type Encoded } from '../train/batch.js';
import type { Objective } from '../train/objectives/index.js';
import { metric } from './metrics.js';

/** Floats in one batch's LM-head logits [rows, T, vocab]: 128 MiB, so they, their log-softmax and the rest fit the wasm heap. */
const LM_LOGITS_PER_BATCH = 2 ** 25;

/** Rows per evaluation batch: `cap`, or fewer when the LM head scores every position (LM, multiple choice, generation). */
export function evalBatchRows(model: Model, objective: Objective, maxLen: number, cap = 64): number {
  if (objective.nOutputs > 0) return cap; // a task head: [rows, outputs]
  return Math.max(1, Math.min(cap, Math.floor(LM_LOGITS_PER_BATCH / (maxLen * model.config.vocabSize))));
}

export async function predictAll(model: Model, objective: Objective, rows: Encoded[], maxLen: number, cap = 64): Promise<number[]> {
  const batchSize = evalBatchRows(model, objective, maxLen, cap);
  const wasTraining = model.training;
  model.training = false;
  const out: number[] = [];
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = makeBatch(rows.slice(i, i + batchSize), maxLen, objective.labelDtype);
    out.push(...(await objective.predict(model, batch)));
    disposeBatch(batch);
  }
  model.training = wasTraining;
  return out;
}

/** Decoded outputs for every row, in batches, with the model in eval mode (the text counterpart of predictAll). */
export async function predictTextAll(model: Model, objective: Objective, rows: Encoded[], maxLen: number, cap = 64): Promise<string[]> {
  if (!objective.predictText) throw new Error('This objective does not generate text.');
  const batchSize = evalBatchRows(model, objective, maxLen, cap);
  const wasTraining = model.training;
  model.training = false;
  const out: string[] = [];
  try {
    for (let i = 0; i < rows.length; i += batchSize) {
      const batch = makeBatch(rows.slice(i, i + batchSize), maxLen, objective.labelDtype);
      try {
        out.push(...(await objective.predictText(model, batch)));
      } finally {
        disposeBatch(batch);
      }
    }
  } finally {
    model.training = wasTraining;
  }
  return out;
}

export function score(metricIds: string[], pred: number[], target: number[]): Record<string, number> {
  return Object.fromEntries(metricIds.map((id) => [id, metric(id).compute(pred, target)]));
}
