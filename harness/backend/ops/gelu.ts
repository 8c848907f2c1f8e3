// gelu(x), tanh approximation: one fused kernel (and one for its gradient) where the backend has them, else plain ops.
import * as tf from '@tensorflow/tfjs';
import { GELU, GELU_GRAD } from '../kernels/gelu.js';
import { hasKernel, runKernel } from './fused.js';

export function gelu(x: tf.Tensor): tf.Tensor {
  if (hasKernel(GELU) && x.dtype === 'float32') return runKernel(GELU, { x }) as tf.Tensor;
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

export const geluGradConfig: tf.GradConfig = {
  kernelName: GELU,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => ({ x: () => runKernel(GELU_GRAD, { dy: dy as tf.Tensor, x: saved[0] }) as tf.Tensor }),
};
