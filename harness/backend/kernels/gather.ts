// GatherV2 for the embedding-lookup case (axis 0, no batch dims): one row copy per index.
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';
import { type KernelArgs, withStockFallback } from './stock-fallback.js';

const operands = (args: KernelArgs) => args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };

export function gatherConfig(mem: TensorMemory): tf.KernelConfig {
  const applies = (args: KernelArgs) => {
    const { x } = operands(args);
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims?: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    return ax === 0 && (batchDims ?? 0) === 0 && x.dtype !== 'string' && x.dtype !== 'bool' && x.shape.length > 0;
  };
  return withStockFallback('GatherV2', mem, applies, (args) => {
    const { x, indices } = operands(args);
    const b = args.backend;
    const rows = x.shape[0];
    const row = x.shape.slice(1).reduce((p, s) => p * s, 1);
    const out = mem.alloc(b, [...indices.shape, ...x.shape.slice(1)], x.dtype);
    // Views after makeOutput: it may grow (and so replace) the heap.
    const src = mem.view(b, x) as Float32Array | Int32Array;
    const dst = mem.view(b, out) as Float32Array | Int32Array;
    const ids = mem.view(b, indices) as Int32Array | Float32Array;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < rows)) {
        mem.free(b, out);
        throw new Error(`GatherV2: the index value ${id} is not in [0, ${rows - 1}]`);
      }
      dst.set(src.subarray(id * row, id * row + row), i * row);
    }
    return out;
  });
}
