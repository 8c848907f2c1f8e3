// BatchMatMul through native CBLAS sgemm, reading and writing the backend's memory in place.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../native/index.js';
import { planMatMul } from './mat_mul_common.js';
import type { TensorMemory } from './memory.js';

export function batchMatMulConfig(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig {
  return {
    kernelName: 'BatchMatMul',
    backendName: mem.backendName,
    kernelFunc: ({ inputs, attrs, backend: b }) => {
      const { a, b: bt } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (a.dtype !== 'float32' || bt.dtype !== 'float32') throw new Error('BatchMatMul supports float32 tensors only.');
      const p = planMatMul(a.shape, bt.shape, transposeA, transposeB);
      const out = mem.alloc(b, p.outShape, 'float32');
      addon.bmm(mem.heap(b), mem.ref(b, a), mem.ref(b, bt), mem.ref(b, out), p.batch, p.m, p.n, p.k,
        +transposeA, +transposeB, p.aIdx, p.bIdx, mem.none, 0, 0, 0);
      return out;
    },
  };
}
