// Empirical Fisher information: the mean squared gradient of the task loss over a few training batches.
import * as tf from '@tensorflow/tfjs';
import type { ApplyContext } from '../../harness/plugin.js';
import { disposeBatch } from '../../harness/train/batch.js';

/**
 * F̂_i = (1/N) Σ_n (∂L(batch_n)/∂θ_i)² over N batches from the training stream. Squared per-batch gradients, not
 * per-example ones: per-example gradients would cost a backward pass per example; the batch mean is the usual
 * cheap stand-in (Child-Tuning's reference code scores the same way). Variables the loss does not reach score 0.
 * Returns one tensor per variable (the caller disposes them); everything else it creates, batches included, is freed.
 */
export function fisherScores(vars: tf.Variable[], ctx: Pick<ApplyContext, 'sampleBatches' | 'loss'>, nBatches: number): Map<tf.Variable, tf.Tensor> {
  const acc = new Map(vars.map((v) => [v, tf.zerosLike(v) as tf.Tensor]));
  for (const batch of ctx.sampleBatches(nBatches)) {
    const { value, grads } = tf.variableGrads(() => ctx.loss(batch), vars);
    for (const v of vars) {
      const g = grads[v.name];
      if (!g) continue;
      const prev = acc.get(v)!;
      acc.set(v, tf.tidy(() => tf.add(prev, tf.square(g))));
      prev.dispose();
    }
    tf.dispose([value, ...Object.values(grads)]);
    disposeBatch(batch);
  }
  for (const [v, s] of acc) {
    acc.set(v, tf.tidy(() => tf.div(s, nBatches)));
    s.dispose();
  }
  return acc;
}
