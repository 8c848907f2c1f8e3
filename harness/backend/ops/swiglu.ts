// swiglu(g, u) = silu(g) · u, LLaMA's gated FFN activation: one fused kernel (and one per gradient part) where the
// backend has them (webgpu), else the plain ops the decoder always used (silu(g) = g·σ(g)).
import * as tf from '@tensorflow/tfjs';
import { hasKernel, runKernel } from './fused.js';

export const SWIGLU = 'FtbSwiglu'; // g, u → silu(g)·u
export const SWIGLU_GRAD = 'FtbSwigluGrad'; // dy, g, u; attr part: 0 → dg, 1 → du

export function swiglu(g: tf.Tensor, u: tf.Tensor): tf.Tensor {
  const same = g.shape.length === u.shape.length && g.shape.every((n, i) => n === u.shape[i]);
  if (hasKernel(SWIGLU) && g.dtype === 'float32' && u.dtype === 'float32' && same && g.size > 0) return runKernel(SWIGLU, { g, u }) as tf.Tensor;
  return tf.mul(tf.mul(g, tf.sigmoid(g)), u);
}

export const swigluGradConfig: tf.GradConfig = {
  kernelName: SWIGLU,
  inputsToSave: ['g', 'u'],
  gradFunc: (dy, saved) => {
    const [g, u] = saved;
    const part = (p: number) => () => runKernel(SWIGLU_GRAD, { dy: dy as tf.Tensor, g, u }, { part: p }) as tf.Tensor;
    return { g: part(0), u: part(1) };
  },
};
