// Saved state as named tensors: the model's checkpoints and every plugin's adapter state go out as clones of named
// variables and come back in with one sentence naming the tensor that is missing or the wrong shape.
import * as tf from '@tensorflow/tfjs';

export type Named = [string, tf.Variable][];

export function cloneNamed(named: Named): Record<string, tf.Tensor> {
  return Object.fromEntries(named.map(([n, v]) => [n, tf.clone(v)]));
}

export interface LoadOptions {
  /** Every named variable must be in the state (otherwise those missing keep their values). */
  strict?: boolean;
  /** What the state is, for the error sentence: "checkpoint", "adapter state". */
  source?: string;
}

export function loadNamed(named: Named, state: Record<string, tf.Tensor>, { strict = true, source = 'adapter state' }: LoadOptions = {}): void {
  for (const [n, v] of named) {
    const t = state[n];
    if (!t) {
      if (strict) throw new Error(`The ${source} has no tensor "${n}".`);
      continue;
    }
    if (t.shape.join() !== v.shape.join()) throw new Error(`The ${source}'s tensor "${n}" has shape [${t.shape}] but [${v.shape}] is expected.`);
    v.assign(t);
  }
}
