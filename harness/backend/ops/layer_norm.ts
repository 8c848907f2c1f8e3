// layerNorm(x, gain, bias, eps) over the last axis: one fused kernel (and one for its gradient) where the backend has
// them, else the same math in plain tfjs ops, so every backend (tfjs-node-gpu included) gives the same result.
import * as tf from '@tensorflow/tfjs';
import { LAYER_NORM, LAYER_NORM_GRAD } from '../kernels/layer_norm.js';
import { hasKernel, runKernel } from './fused.js';

export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor {
  if (hasKernel(LAYER_NORM) && x.dtype === 'float32') return (runKernel(LAYER_NORM, { x, gamma: gain, beta: bias }, { eps }) as tf.Tensor[])[0];
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gain), bias);
  });
}

export const layerNormGradConfig: tf.GradConfig = {
  kernelName: LAYER_NORM,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved) => {
    const [x, gamma, mean, rstd] = saved;
    const dys = dy as tf.Tensor[];
    // The tape asks for each input's gradient separately (and not at all for frozen ones): one pass per part.
    const part = (p: number) => () => runKernel(LAYER_NORM_GRAD, { dy: dys[0], x, gamma, mean, rstd }, { part: p }) as tf.Tensor;
    return { x: part(0), gamma: part(1), beta: part(2) };
  },
};
