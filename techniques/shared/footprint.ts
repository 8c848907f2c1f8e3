// Footprint arithmetic shared by plugins: trainable entries, added parameters, base bytes.
import type * as tf from '@tensorflow/tfjs';
import type { Model } from '../../harness/model/model.js';
import type { Footprint, ParamGroup } from '../../harness/plugin.js';

export function sizeOf(vars: tf.Tensor[]): number {
  return vars.reduce((n, v) => n + v.size, 0);
}

export function footprint(model: Model, groups: ParamGroup[], extra: tf.Tensor[] = [], overrides: Partial<Footprint> = {}): Footprint {
  const base = model.numParams();
  const extraParams = sizeOf(extra);
  return {
    totalParams: base + extraParams,
    trainableParams: sizeOf(groups.flatMap((g) => g.vars)),
    extraParams,
    baseBytes: base * 4,
    optimizerStateBytes: 0, // filled in by the trainer from the optimizer it ran
    ...overrides,
  };
}
