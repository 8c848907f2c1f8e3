// softmaxNll(logits [N,C], labels [N]) = −log softmax(logits)[label] per row, with its gradient softmax − one-hot, as
// one fused kernel each way where the backend has them (webgpu; native and wasm through the kernel pack): the [N,C]
// log-probabilities and one-hot never exist (at a 32k vocabulary they are the largest tensors of a step). Where it has
// not, null: callers keep their plain ops.
import * as tf from '@tensorflow/tfjs';
import { hasKernel, runKernel } from './fused.js';

export const SOFTMAX_NLL = 'FtbSoftmaxNll'; // logits, labels (int32) → nll [N], lse [N] (each row's log-sum-exp)
export const SOFTMAX_NLL_GRAD = 'FtbSoftmaxNllGrad'; // dy [N], logits, labels, lse → dlogits [N,C]

/** Per-row negative log-likelihood; a label outside [0, C) gives 0 and no gradient, as the one-hot form does. */
export function softmaxNll(logits: tf.Tensor2D, labels: tf.Tensor): tf.Tensor1D | null {
  if (!hasKernel(SOFTMAX_NLL) || logits.dtype !== 'float32' || logits.size === 0) return null;
  const ids = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
  return (runKernel(SOFTMAX_NLL, { logits, labels: ids }) as tf.Tensor[])[0] as tf.Tensor1D;
}

export const softmaxNllGradConfig: tf.GradConfig = {
  kernelName: SOFTMAX_NLL,
  inputsToSave: ['logits', 'labels'],
  outputsToSave: [false, true],
  gradFunc: (dy, saved) => {
    const [logits, labels, lse] = saved;
    return {
      logits: () => runKernel(SOFTMAX_NLL_GRAD, { dy: (dy as tf.Tensor[])[0], logits, labels, lse }) as tf.Tensor,
      labels: () => tf.zerosLike(labels),
    };
  },
};
