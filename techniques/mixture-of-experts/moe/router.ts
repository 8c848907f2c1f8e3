// A token-level linear router: g(x) = softmax(x W_g), kept soft (every expert) or cut to the top-k and renormalised.
import * as tf from '@tensorflow/tfjs';

export interface Routed {
  /** Router probabilities softmax(x W_g) [N, E]: what the balancing losses differentiate. */
  probs: tf.Tensor2D;
  /** Mixing weights [N, E]: probs (soft), or probs on the k chosen experts renormalised to sum 1 (top-k). */
  gates: tf.Tensor2D;
  /** Top-k only: 1 where a token was dispatched to an expert [N, E] (a constant: selection has no gradient). */
  dispatch: tf.Tensor2D | null;
  /** Each token's share of its routing per expert, N×E row-major, rows sum to 1 (gates, or dispatch / k). */
  load: Float32Array;
  /** Top-k only: the chosen experts of token n at chosen[n*k .. n*k+k). */
  chosen: Int32Array | null;
}

export class Router {
  readonly W: tf.Variable; // [d, E]

  constructor(readonly d: number, readonly E: number, seed: number, std = 0.02) {
    // MixLoRA's router_init_range = 0.02: near-uniform routing at the start, so no expert wins by initialisation.
    this.W = tf.tidy(() => tf.variable(tf.randomNormal([d, E], 0, std, 'float32', seed), true));
  }

  /** x [N, d] → routing; k = null routes softly to every expert (MoV, MoLoRA, LoRAMoE). */
  route(x: tf.Tensor2D, k: number | null): Routed {
    const probs = tf.softmax(tf.matMul(x, this.W)) as tf.Tensor2D; // [N, E]
    const p = probs.dataSync() as Float32Array;
    if (k === null) return { probs, gates: probs, dispatch: null, load: p.slice(), chosen: null };
    k = Math.min(k, this.E);
    const { chosen, mask } = topK(p, this.E, k);
    const dispatch = tf.tensor2d(mask, [x.shape[0], this.E]);
    const kept = tf.mul(probs, dispatch);
    const gates = tf.div(kept, tf.sum(kept, -1, true)) as tf.Tensor2D; // softmax over the chosen logits
    return { probs, gates, dispatch, load: mask.map((m) => m / k), chosen };
  }

  dispose(): void {
    this.W.dispose();
  }
}

/** Per row of p [N×E], the k largest (ties to the lower index): indices and a 0/1 mask. */
export function topK(p: Float32Array, E: number, k: number): { chosen: Int32Array; mask: Float32Array } {
  const N = p.length / E;
  const chosen = new Int32Array(N * k);
  const mask = new Float32Array(N * E);
  const order = Array.from({ length: E }, (_, i) => i);
  for (let n = 0; n < N; n++) {
    const row = p.subarray(n * E, n * E + E);
    order.sort((a, b) => row[b] - row[a] || a - b);
    for (let j = 0; j < k; j++) {
      chosen[n * k + j] = order[j];
      mask[n * E + order[j]] = 1;
    }
    for (let i = 0; i < E; i++) order[i] = i;
  }
  return { chosen, mask };
}
