// loraDelta(x [n,d_in], A [d_in,r], B [r,d_out], s) = s·(x A) B, LoRA's update, as one kernel where the backend has it
// (webgpu: a workgroup per row keeps the rank-r intermediate on chip), else the plain ops LoRA always used.
import * as tf from '@tensorflow/tfjs';
import { hasKernel, runKernel } from './fused.js';

export const LORA = 'FtbLora'; // x, A, B; attr scale → y = s·(xA)B [n,d_out], ts = s·xA [n,r]
export const LORA_U = 'FtbLoraU'; // dy [n,d_out], B; attr scale → s·dy·Bᵀ [n,r]
/** Largest rank the fused kernel holds per thread; larger ranks take the plain ops. */
export const LORA_MAX_R = 32;

export function loraDelta(x: tf.Tensor, A: tf.Tensor, B: tf.Tensor, scale: number): tf.Tensor {
  const r = A.shape[1]!;
  if (hasKernel(LORA) && x.rank === 2 && A.rank === 2 && B.rank === 2 && x.dtype === 'float32' && r <= LORA_MAX_R && x.size > 0 && r > 0) {
    return (runKernel(LORA, { x, A, B }, { scale }) as tf.Tensor[])[0];
  }
  const xa = tf.matMul(x as tf.Tensor2D, A as tf.Tensor2D);
  // The rank-r intermediate is scaled: d_out / r times fewer elements than the output.
  return tf.matMul(scale === 1 ? xa : tf.mul(xa, scale), B as tf.Tensor2D);
}

export const loraGradConfig: tf.GradConfig = {
  kernelName: LORA,
  inputsToSave: ['x', 'A', 'B'],
  outputsToSave: [false, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, A, B, ts] = saved;
    const g = (dy as tf.Tensor[])[0];
    // s·dy·Bᵀ serves dx and dA, made here once: the tape runs each input's closure in a tidy of its own, which would
    // dispose it after the first. (A is always trained, so it is always needed.)
    const us = runKernel(LORA_U, { dy: g, B }, { scale: (attrs as unknown as { scale: number }).scale }) as tf.Tensor2D;
    return {
      x: () => tf.matMul(us, A as tf.Tensor2D, false, true),
      A: () => tf.matMul(x as tf.Tensor2D, us, true, false),
      B: () => tf.matMul(ts as tf.Tensor2D, g as tf.Tensor2D, true, false),
    };
  },
};
