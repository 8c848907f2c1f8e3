// Evaluation: predictions over a split in batches, scored by the dataset's metrics.
import type { Model } from '../model/model.js';
import { disposeBatch, makeBatch, type Encoded } from '../train/batch.js';
import type { Objective } from '../train/objective.js';
import { metric } from './metrics.js';

export async function predictAll(model: Model, objective: Objective, rows: Encoded[], maxLen: number, batchSize = 64): Promise<number[]> {
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

export function score(metricIds: string[], pred: number[], target: number[]): Record<string, number> {
  return Object.fromEntries(metricIds.map((id) => [id, metric(id).compute(pred, target)]));
}
