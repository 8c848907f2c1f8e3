// attention(q, k, v, bias): softmax(q·kᵀ/√hd + bias)·v as one fused kernel where the backend has one (webgpu: tiled
// as FlashAttention is, the scores never leave the chip), else the plain ops of harness/model/layers.ts.
import * as tf from '@tensorflow/tfjs';
import { hasKernel, runKernel } from './fused.js';
import { softmax } from './softmax.js';

export const ATTENTION = 'FtbAttention'; // q, k, v, bias → out [B,H,T,hd], lse [B,H,T] (each row's log-sum-exp)
export const ATTENTION_D = 'FtbAttentionD'; // dy, out → D [B,H,T] = Σ dy·out per row (softmax's backward term)
export const ATTENTION_GRAD = 'FtbAttentionGrad'; // q, k, v, bias, lse, dy, D; attr part: 0 → dq, 1 → dk, 2 → dv

/** Largest head size the fused kernel keeps in registers; larger take the plain ops (any sequence length streams). */
export const ATTENTION_MAX_HD = 256;

export function plainAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias: tf.Tensor): tf.Tensor4D {
  const hd = q.shape[3]!;
  // q / √hd before the product: the same scores, scaling T·hd elements instead of T·S.
  const scores = tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(hd)) as tf.Tensor4D, k as tf.Tensor4D, false, true), bias);
  return tf.matMul(softmax(scores), v as tf.Tensor4D) as tf.Tensor4D; // [B,H,T,hd]
}

// On by default where the backend has the kernel (FTBENCH_WEBGPU_ATTENTION=0 turns it off): the tiled kernel measured
// faster than tfjs's matmul form on lavapipe (docs/gpu.md).
let fusedOn = process.env.FTBENCH_WEBGPU_ATTENTION !== '0';

/** Turns the fused kernel on or off where the backend has it (tests compare both); returns the previous setting. */
export function useFusedAttention(on: boolean): boolean {
  const was = fusedOn;
  fusedOn = on;
  return was;
}

export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias: tf.Tensor): tf.Tensor4D {
  const fused = fusedOn && hasKernel(ATTENTION) && q.rank === 4 && k.rank === 4 && v.rank === 4 && bias.rank <= 4 && q.dtype === 'float32'
    && q.shape[3]! <= ATTENTION_MAX_HD && q.size > 0 && k.size > 0;
  if (!fused) return plainAttention(q, k, v, bias);
  const b4 = bias.rank === 4 ? bias : tf.reshape(bias, [...Array(4 - bias.rank).fill(1), ...bias.shape]);
  return (runKernel(ATTENTION, { q, k, v, bias: b4 }) as tf.Tensor[])[0] as tf.Tensor4D;
}

/** ∂/∂bias in plain ops (softmax's backward on recomputed scores), summed over the dimensions bias broadcasts along. */
function biasGrad(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const hd = q.shape[3]!;
  const p = tf.softmax(tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(hd)) as tf.Tensor4D, k as tf.Tensor4D, false, true), bias));
  const dp = tf.matMul(dy as tf.Tensor4D, v as tf.Tensor4D, false, true);
  const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), -1, true)));
  const axes = ds.shape.map((n, d) => (bias.shape[d] === 1 && n !== 1 ? d : -1)).filter((d) => d >= 0);
  return axes.length ? tf.reshape(tf.sum(ds, axes, true), bias.shape) : ds;
}

export const attentionGradConfig: tf.GradConfig = {
  kernelName: ATTENTION,
  inputsToSave: ['q', 'k', 'v', 'bias'],
  outputsToSave: [true, true],
  gradFunc: (dy, saved) => {
    const [q, k, v, bias, out, lse] = saved;
    const g = (dy as tf.Tensor[])[0];
    const D = runKernel(ATTENTION_D, { dy: g, out }) as tf.Tensor;
    const part = (p: number) => () => runKernel(ATTENTION_GRAD, { q, k, v, bias, lse, dy: g, D }, { part: p }) as tf.Tensor;
    return {
      q: part(0), k: part(1), v: part(2),
      // A bias that needs a gradient (none of the model's masks does) goes through the plain ops once more.
      bias: () => biasGrad(q, k, v, bias, g),
    };
  },
};
