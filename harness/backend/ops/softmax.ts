// softmax(x) over the last axis: one fused kernel (and one for its gradient) where the backend has them, else tf.softmax.
import * as tf from '@tensorflow/tfjs';
import { SOFTMAX, SOFTMAX_GRAD } from '../kernels/softmax.js';
import { hasKernel, runKernel } from './fused.js';

export function softmax(x: tf.Tensor): tf.Tensor {
  if (hasKernel(SOFTMAX) && x.dtype === 'float32' && x.size > 0) return runKernel(SOFTMAX, { x }) as tf.Tensor;
  return tf.softmax(x);
}

export const softmaxGradConfig: tf.GradConfig = {
  kernelName: SOFTMAX,
  outputsToSave: [true],
  gradFunc: (dy, saved) => ({ x: () => runKernel(SOFTMAX_GRAD, { dy: dy as tf.Tensor, y: saved[0] }) as tf.Tensor }),
};
