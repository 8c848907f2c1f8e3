// Evaluation of a trained trial: every score, baseline and held-out measurement as rows with role and direction.
import type { Dataset, Example } from '../../datasets/types.js';
import type { Model } from '../model/model.js';
import type { Encoded } from '../train/batch.js';
import type { Objective } from '../train/objectives/index.js';
import { heldOutLoss } from '../zoo/lm.js';
import { heldOutWindows } from '../model/memory.js';
import { baselinePredictions, scoreText } from './metrics.js';
import { predictAll, predictTextAll, score } from './evaluate.js';
import { metricRow, type MetricRow } from './rows.js';

export interface TrialEvalInputs {
  model: Model;
  objective: Objective;
  dataset: Dataset;
  rows: { dev: Encoded[]; test: Encoded[] };
  trainLabels: number[];
  maxLen: number;
  /** Steps trained: the step every final row is stored at. */
  step: number;
  /** The base's pretraining context: long-context LM trials report perplexity at 1× and 2× it. */
  pretrainedLen: number;
  /** Held-out pretraining text, and the untouched base's loss on it (forgetting). */
  heldOut: number[][];
  /** How many held-out windows (the base's loss was taken on the same ones); default 64. */
  heldOutWindows?: number;
  baseHeldOutLoss: number;
}

export interface PredictionRow { split: string; item: number; predicted: number; target: number }

/** The dataset's metrics on a split: decoded text for generation, predictions against labels otherwise. */
export async function scoreSplit(model: Model, objective: Objective, rows: Encoded[], examples: Example[], metricIds: string[], maxLen: number) {
  if (objective.predictText) {
    const exs = examples.slice(0, rows.length);
    // Every reference of each output, where the data has several (E2E): the metrics that use them (BLEU, NIST, CIDEr) do.
    const multi = exs.some((e) => e.references) ? exs.map((e) => e.references ?? [e.target ?? '']) : undefined;
    return { scores: scoreText(metricIds, await predictTextAll(model, objective, rows, maxLen), exs.map((e) => e.target ?? ''), multi), pred: null };
  }
  const pred = await predictAll(model, objective, rows, maxLen);
  return { scores: score(metricIds, pred, rows.map((r) => r.label)), pred };
}

export async function evaluateTrial(inp: TrialEvalInputs): Promise<{ metrics: MetricRow[]; predictions: PredictionRow[] }> {
  const { model, objective, dataset, maxLen, step } = inp;
  const primary = dataset.metrics[0];
  const metrics: MetricRow[] = [];
  let predictions: PredictionRow[] = [];
  for (const split of ['dev', 'test'] as const) {
    const rows = inp.rows[split];
    const { scores, pred } = await scoreSplit(model, objective, rows, dataset.splits[split], dataset.metrics, maxLen);
    for (const [name, value] of Object.entries(scores)) metrics.push(metricRow(split, step, name, value, split === 'test' && name === primary ? 'primary' : 'score'));
    if (split !== 'test') continue;
    for (const [name, value] of Object.entries(baselineScores(inp, rows))) metrics.push(metricRow(split, 0, name, value, 'baseline'));
    if (pred) predictions = pred.map((p, item) => ({ split, item, predicted: p, target: rows[item].label }));
  }
  // Long context: held-out perplexity with full attention at 1× and 2× the pretraining context (test windows cut short).
  if (dataset.kind === 'language-modeling') {
    for (const len of [inp.pretrainedLen, 2 * inp.pretrainedLen]) {
      const rows = inp.rows.test.filter((r) => r.ids.length >= len).map((r) => ({ ids: r.ids.slice(0, len), label: len - 1 }));
      if (rows.length === 0) continue;
      const pred = await predictAll(model, objective, rows, len);
      metrics.push(metricRow('heldout', step, 'perplexity', score(['perplexity'], pred, rows.map((r) => r.label)).perplexity, 'heldout', len));
    }
  }
  // Forgetting: held-out pretraining-text loss of the fine-tuned model minus the untouched base's.
  // A big base's untouched loss is not measured (NaN): its forgetting row is left out rather than stored as NaN.
  const lm = await heldOutLoss(model, inp.heldOut, Math.min(64, model.config.maxLen), inp.heldOutWindows ?? heldOutWindows(model.config));
  metrics.push(metricRow('heldout', step, 'lm_loss', lm, 'heldout'));
  if (Number.isFinite(inp.baseHeldOutLoss)) metrics.push(metricRow('heldout', step, 'forgetting', lm - inp.baseHeldOutLoss, 'heldout'));
  return { metrics, predictions };
}

/** A trivial predictor's scores on the test rows: the majority class or mean, or (generation) the input copied. */
function baselineScores(inp: TrialEvalInputs, rows: Encoded[]): Record<string, number> {
  const { dataset, objective } = inp;
  if (objective.predictText) {
    const exs = dataset.splits.test.slice(0, rows.length);
    return scoreText(dataset.metrics, exs.map((e) => e.text), exs.map((e) => e.target ?? ''));
  }
  if (objective.nOutputs === 0 && dataset.kind !== 'multiple-choice') return {};
  return score(dataset.metrics, baselinePredictions(inp.trainLabels, rows.length, objective.regression), rows.map((r) => r.label));
}
