// BatchMatMul on the wasm backend through native CBLAS sgemm, reading and writing the wasm heap in place.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from '../native/index.js';
import { planMatMul } from './mat_mul_common.js';
import { heapOf, offsetOf } from './heap.js';

export function batchMatMulConfig(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend as BackendWasm;
      const { a, b: bt } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (a.dtype !== 'float32' || bt.dtype !== 'float32') throw new Error('BatchMatMul supports float32 tensors only.');
      const p = planMatMul(a.shape, bt.shape, transposeA, transposeB);
      const out = b.makeOutput(p.outShape, 'float32');
      addon.bmm(heapOf(b), offsetOf(b, a), offsetOf(b, bt), offsetOf(b, out), p.batch, p.m, p.n, p.k,
        +transposeA, +transposeB, p.aIdx, p.bIdx, -1, 0, 0, 0);
      return out;
    },
  };
}
