// The two halves of an adapter's saved state every plugin shares: named variables out as clones, and back in with
// one sentence naming the tensor that is missing or the wrong shape.
import * as tf from '@tensorflow/tfjs';

export type Named = [string, tf.Variable][];

export function cloneNamed(named: Named): Record<string, tf.Tensor> {
  return Object.fromEntries(named.map(([n, v]) => [n, tf.clone(v)]));
}

export function loadNamed(named: Named, state: Record<string, tf.Tensor>): void {
  for (const [n, v] of named) {
    const t = state[n];
    if (!t) throw new Error(`The adapter state has no tensor "${n}".`);
    if (t.shape.join() !== v.shape.join()) throw new Error(`Adapter tensor "${n}" has shape [${t.shape}], expected [${v.shape}].`);
    v.assign(t);
  }
}
