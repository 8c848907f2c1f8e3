// UnsortedSegmentSum: the gradient of gather (embedding lookups); tfjs-backend-wasm lacks it, the cpu one is slow.
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';

export function unsortedSegmentSumConfig(mem: TensorMemory): tf.KernelConfig {
  return {
    kernelName: 'UnsortedSegmentSum',
    backendName: mem.backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend;
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      // tfjs calls this with x [n, ...rest] and segmentIds [n] (gather's gradient flattens to that form).
      const n = segmentIds.shape.reduce((a, s) => a * s, 1);
      const xSize = x.shape.reduce((a, s) => a * s, 1);
      const inner = n === 0 ? 0 : xSize / n;
      const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      const out = mem.alloc(b, outShape, x.dtype);
      const o = mem.view(b, out) as Float32Array;
      o.fill(0);
      const xs = mem.view(b, x) as Float32Array;
      const ids = mem.view(b, segmentIds) as Int32Array;
      for (let i = 0; i < n; i++) {
        const s = ids[i];
        if (s < 0 || s >= numSegments) continue;
        const src = i * inner, dst = s * inner;
        for (let j = 0; j < inner; j++) o[dst + j] += xs[src + j];
      }
      return out;
    },
  };
}
