// Shared by the quantization tests: a context that supplies no data, and a linear's weight as the model computes it.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../harness/model/model.js';
import type { ApplyContext } from '../../harness/plugin.js';

export const noDataCtx = { seed: 1, totalSteps: 1, sampleBatches: () => [], loss: () => tf.scalar(0) } as unknown as ApplyContext;

/** A linear's effective weight as the model computes it: forward(I) − b. */
export function effectiveWeight(model: Model, name: string): Float32Array {
  const l = model.linears.get(name)!;
  return tf.tidy(() => {
    const y = l.forward(tf.eye(l.dIn));
    return l.bias ? tf.sub(y, l.bias) : y;
  }).dataSync() as Float32Array;
}
