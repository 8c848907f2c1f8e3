// x W + b for x [..., d_in] as one _FusedMatMul kernel, with a gradient the tape asks for one input at a time.
// tf.fused.matMul's custom gradient computes dx, dW and db eagerly; with a frozen W (LoRA and every other PEFT method)
// the xᵀ·dy GEMM and the bias sum are thrown away — a third of a LoRA step's GEMM work.
import * as tf from '@tensorflow/tfjs';
import { runKernel } from './fused.js';

const FUSED_MAT_MUL = '_FusedMatMul';
const ATTRS = { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0.2 };

export function linear(x: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor | null = null): tf.Tensor {
  // The stock kernels (wasm, webgpu, node) take rank-3 operands, as tf.fused.matMul passes them.
  const [k, m] = w.shape;
  const a = tf.reshape(x, [1, -1, k]);
  const bw = tf.reshape(w, [1, k, m]);
  const y = runKernel(FUSED_MAT_MUL, b ? { a, b: bw, bias: b } : { a, b: bw }, ATTRS) as tf.Tensor3D;
  return tf.reshape(y, [...x.shape.slice(0, -1), m]);
}

/**
 * Registered under the kernel's name, so it serves only direct invocations like linear()'s: tf.fused.matMul runs the
 * kernel inside its own custom gradient, where the tape does not record it.
 */
export const linearGradConfig: tf.GradConfig = {
  kernelName: FUSED_MAT_MUL,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const { transposeA, transposeB, activation } = attrs as typeof ATTRS;
    if (transposeA || transposeB || activation !== 'linear') {
      throw new Error('linear(): the _FusedMatMul gradient covers x·W + b only (no transposes, no activation).');
    }
    const [a, b] = saved;
    const g = dy as tf.Tensor3D; // [1, n, m]
    return {
      a: () => tf.matMul(g, b as tf.Tensor3D, false, true),
      b: () => tf.matMul(a as tf.Tensor3D, g, true, false),
      bias: () => tf.sum(g, [0, 1]),
    };
  },
};

// Every backend has the kernel, so the gradient is needed on every backend: registered when this module loads.
if (!tf.getGradient(FUSED_MAT_MUL)) tf.registerGradient(linearGradConfig);
