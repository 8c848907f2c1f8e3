// The transformer's math as plain tfjs ops: norms, activations, RoPE, attention. Shapes in comments.
import * as tf from '@tensorflow/tfjs';

/**
 * LayerNorm over the last axis, (x − μ)/√(σ² + ε) · g + b, and GELU (tanh approximation, as BERT/GPT-2): fused
 * kernels where the backend has them, the same math in plain ops elsewhere (harness/backend/ops).
 */
export { layerNorm, gelu } from '../backend/ops/index.js';

/** RMSNorm over the last axis, x/√(mean(x²) + ε) · g, and SwiGLU's silu(g)·u: fused kernels where the backend has them. */
export { rmsNorm, swiglu } from '../backend/ops/index.js';

/** Exact GELU, x Φ(x) with the erf (BERT's and RoBERTa's "gelu"). */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** [B, T, d] → [B, H, T, d/H] */
export function splitHeads(x: tf.Tensor, nHeads: number): tf.Tensor4D {
  const [B, T, d] = x.shape;
  return tf.transpose(tf.reshape(x, [B, T, nHeads, d / nHeads]), [0, 2, 1, 3]);
}

/** Grouped-query attention's keys or values [B, kvH, S, hd] → [B, kvH·group, S, hd]: head j reads kv head ⌊j / group⌋ (HF's repeat_kv). */
export function repeatKv(x: tf.Tensor, group: number): tf.Tensor4D {
  if (group === 1) return x as tf.Tensor4D;
  const [B, kvH, S, hd] = x.shape;
  // Tiled as rank 3 ([B·kvH, 1, S·hd] → [B·kvH, group, S·hd]): tfjs has no gradient for rank-5 tile.
  return tf.reshape(tf.tile(tf.reshape(x, [B * kvH, 1, S * hd]), [1, group, 1]), [B, kvH * group, S, hd]);
}

/** [B, H, T, hd] → [B, T, H*hd] */
export function mergeHeads(x: tf.Tensor): tf.Tensor3D {
  const [B, H, T, hd] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [B, T, H * hd]);
}

/** Additive score bias from a padding mask [B, S] (1 = token): [B, 1, 1, S], 0 or -1e9. */
export function paddingBias(mask: tf.Tensor): tf.Tensor4D {
  const [B, S] = mask.shape;
  return tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [B, 1, 1, S]);
}

/** Causal bias [1, 1, T, S]: query t (at absolute position S-T+t) sees keys up to itself. */
export function causalBias(T: number, S: number): tf.Tensor4D {
  return tf.tidy(() => {
    const q = tf.add(tf.range(0, T, 1, 'int32'), S - T).reshape([T, 1]);
    const k = tf.range(0, S, 1, 'int32').reshape([1, S]);
    return tf.reshape(tf.mul(tf.cast(tf.greater(k, q), 'float32'), -1e9), [1, 1, T, S]);
  });
}

/**
 * Scaled dot-product attention. q [B,H,T,hd], k/v [B,H,S,hd], bias broadcastable to [B,H,T,S]. One fused kernel where
 * the backend has it (webgpu), else plain ops (harness/backend/ops/attention.ts).
 */
export { attention } from '../backend/ops/index.js';

/** RoPE tables for T positions: cos, sin [T, hd] (halves duplicated, the rotate-half layout of HF LLaMA). */
export function ropeTables(T: number, hd: number, theta: number, scale: number, offset = 0): [tf.Tensor2D, tf.Tensor2D] {
  const half = hd / 2;
  const angles = new Float32Array(T * hd);
  for (let t = 0; t < T; t++) {
    const pos = (t + offset) / scale;
    for (let i = 0; i < half; i++) {
      const a = pos / Math.pow(theta, (2 * i) / hd);
      angles[t * hd + i] = a;
      angles[t * hd + half + i] = a;
    }
  }
  const ang = tf.tensor2d(angles, [T, hd]);
  const out: [tf.Tensor2D, tf.Tensor2D] = [tf.cos(ang), tf.sin(ang)];
  ang.dispose();
  return out;
}

/** x [B,H,T,hd] rotated by position: x*cos + rotate_half(x)*sin. */
export function applyRope(x: tf.Tensor, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor {
  const hd = x.shape[3]!;
  const [x1, x2] = tf.split(x, [hd / 2, hd / 2], 3);
  const rotated = tf.concat([tf.neg(x2), x1], 3);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}
