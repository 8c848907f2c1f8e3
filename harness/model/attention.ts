// Multi-head self-attention, the one sub-block every family shares; techniques reach it at `layers.N.attn.qkv`.
import * as tf from '@tensorflow/tfjs';
import type { Hooks, Linear } from './module.js';
import type { Qkv } from './hook-points.js';
import { applyRope, attention, mergeHeads, splitHeads } from './layers.js';

export interface AttentionWeights {
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear;
}

/**
 * softmax(q kᵀ/√hd + bias) v over nHeads heads, then the output projection: x [B,S,d] → [B,S,d].
 * `rope` (cos, sin [S,hd]) rotates q and k by position (decoder); `layer` names the hook point `${layer}.attn.qkv`.
 */
export function selfAttention(hooks: Hooks, layer: string, w: AttentionWeights, x: tf.Tensor, nHeads: number, bias: tf.Tensor, rope?: [tf.Tensor2D, tf.Tensor2D]): tf.Tensor {
  const heads = (t: tf.Tensor) => splitHeads(t, nHeads); // [B,S,d] → [B,H,S,hd]
  const rotate = (t: tf.Tensor) => (rope ? applyRope(t, ...rope) : t);
  const qkv = hooks.call(
    `${layer}.attn.qkv`,
    { q: rotate(heads(w.q.forward(x))), k: rotate(heads(w.k.forward(x))), v: heads(w.v.forward(x)), bias },
    (z) => z,
  );
  return w.o.forward(mergeHeads(attention(qkv.q, qkv.k, qkv.v, qkv.bias))); // [B,S,d]
}
