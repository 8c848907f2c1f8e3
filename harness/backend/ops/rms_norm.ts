// rmsNorm(x, gain, eps) over the last axis, x/√(mean(x²) + ε) · g: one fused kernel (and one per gradient part)
// where the backend has them (webgpu), else the plain tfjs ops the decoder always used.
import * as tf from '@tensorflow/tfjs';
import { hasKernel, runKernel } from './fused.js';

export const RMS_NORM = 'FtbRmsNorm'; // x, gamma → y, rstd [rows]
export const RMS_NORM_GRAD = 'FtbRmsNormGrad'; // dy, x, gamma, rstd; attr part: 0 → dx, 1 → dγ

export function rmsNorm(x: tf.Tensor, gain: tf.Tensor, eps: number): tf.Tensor {
  if (hasKernel(RMS_NORM) && x.dtype === 'float32' && x.size > 0) return (runKernel(RMS_NORM, { x, gamma: gain }, { eps }) as tf.Tensor[])[0];
  const ms = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), gain);
}

export const rmsNormGradConfig: tf.GradConfig = {
  kernelName: RMS_NORM,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true],
  gradFunc: (dy, saved) => {
    const [x, gamma, rstd] = saved;
    const g = (dy as tf.Tensor[])[0];
    const part = (p: number) => () => runKernel(RMS_NORM_GRAD, { dy: g, x, gamma, rstd }, { part: p }) as tf.Tensor;
    return { x: part(0), gamma: part(1) };
  },
};
