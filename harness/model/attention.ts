// Multi-head self-attention, the one sub-block every family shares; techniques reach it at `layers.N.attn.qkv`.
import * as tf from '@tensorflow/tfjs';
import type { Hooks, Linear } from './module.js';
import type { Qkv } from './hook-points.js';
import { applyRope, attention, mergeHeads, repeatKv, splitHeads } from './layers.js';

export interface AttentionWeights {
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear;
}

/**
 * softmax(q kᵀ/√hd + bias) v over nHeads heads, then the output projection: x [B,S,d] → [B,S,d].
 * `rope` (cos, sin [S,hd]) rotates q and k by position (decoder); `layer` names the hook point `${layer}.attn.qkv`.
 * `kvHeads` < nHeads is grouped-query attention: k and v have kvHeads heads, each serving nHeads / kvHeads query heads.
 */
export function selfAttention(hooks: Hooks, layer: string, w: AttentionWeights, x: tf.Tensor, nHeads: number, bias: tf.Tensor, rope?: [tf.Tensor2D, tf.Tensor2D], kvHeads = nHeads): tf.Tensor {
  const rotate = (t: tf.Tensor) => (rope ? applyRope(t, ...rope) : t);
  // Key/value heads are repeated for their query groups before the hook point, so whatever wraps attn.qkv sees nHeads heads.
  const group = (t: tf.Tensor) => repeatKv(t, nHeads / kvHeads); // [B,kvH,S,hd] → [B,H,S,hd]
  const q = rotate(splitHeads(w.q.forward(x), nHeads)); // [B,H,S,hd]
  const k = group(rotate(splitHeads(w.k.forward(x), kvHeads)));
  const v = group(splitHeads(w.v.forward(x), kvHeads));
  const qkv = hooks.call(`${layer}.attn.qkv`, { q, k, v, bias }, (z) => z);
  return w.o.forward(mergeHeads(attention(qkv.q, qkv.k, qkv.v, qkv.bias))); // [B,S,d]
}
