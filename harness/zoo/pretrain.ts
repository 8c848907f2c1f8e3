// Pretraining of the built-in base models on the built-in corpus: masked LM (encoder) or causal LM (decoder).
import * as tf from '@tensorflow/tfjs';
import { Model } from '../model/model.js';
import type { ModelConfig, PretrainBudget } from '../model/config.js';
import { AdamW } from '../train/adamw.js';
import { lrAt } from '../train/schedule.js';
import { globalNormClip } from '../train/trainer.js';
import { Rng } from '../../core/rng.js';
import { disposeLmBatch, heldOutLoss, lmBatchFor, lmLoss, sampleWindows } from './lm.js';

export interface PretrainResult {
  steps: number;
  seconds: number;
  finalLoss: number;
  heldOutLoss: number;
  heldOutPerplexity: number;
}

export interface PretrainProgress {
  step: number;
  total: number;
  loss: number;
}

/** Trains `model` in place from its random init. */
export async function pretrain(
  model: Model,
  streams: { train: number[][]; heldOut: number[][] },
  budget: PretrainBudget,
  onProgress?: (p: PretrainProgress) => void,
): Promise<PretrainResult> {
  const t0 = performance.now();
  const rng = new Rng(42);
  const vars = [...model.params.values()];
  const opt = new AdamW({ lr: budget.lr, weightDecay: 0.01, beta1: 0.9, beta2: 0.98, eps: 1e-6 }, [{ vars }]);
  const schedule = { kind: 'cosine' as const, warmupSteps: Math.round(budget.steps * 0.06), minRatio: 0.1 };
  const len = model.family === 'encoder' ? budget.seqLen - 1 : budget.seqLen + 1;
  let loss = NaN;
  model.training = true;
  for (let step = 0; step < budget.steps; step++) {
    const b = lmBatchFor(model, sampleWindows(streams.train, len, budget.batchSize, rng), rng);
    const { value, grads } = tf.variableGrads(() => lmLoss(model, b), vars);
    const g = new Map(vars.map((v) => [v, grads[v.name]] as [tf.Variable, tf.Tensor]));
    const clipped = globalNormClip(g, 1.0);
    opt.step(clipped, lrAt(step, budget.steps, budget.lr, schedule));
    loss = (await value.data())[0];
    tf.dispose([value, ...Object.values(grads), ...(clipped !== g ? clipped.values() : [])]);
    disposeLmBatch(b);
    if (!Number.isFinite(loss)) throw new Error(`Pretraining diverged: loss became ${loss} at step ${step + 1}.`);
    onProgress?.({ step: step + 1, total: budget.steps, loss });
  }
  model.training = false;
  opt.dispose();
  const held = await heldOutLoss(model, streams.heldOut, budget.seqLen);
  return { steps: budget.steps, seconds: (performance.now() - t0) / 1000, finalLoss: loss, heldOutLoss: held, heldOutPerplexity: Math.exp(held) };
}

export function freshModel(config: ModelConfig, seed = 0): Model {
  return new Model(config, seed);
}
