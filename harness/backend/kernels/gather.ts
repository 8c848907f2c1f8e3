// GatherV2 on the wasm backend for the embedding-lookup case (axis 0, no batch dims): one row copy per index.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export function gatherConfig(): tf.KernelConfig {
  const stock = tf.getKernel('GatherV2', 'wasm')!;
  return {
    kernelName: 'GatherV2',
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
      const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims?: number };
      const ax = tf.util.parseAxisParam(axis, x.shape)[0];
      if (ax !== 0 || (batchDims ?? 0) !== 0 || x.dtype === 'string' || x.dtype === 'bool' || x.shape.length === 0) return stock.kernelFunc(args);
      const b = args.backend as BackendWasm;
      const rows = x.shape[0];
      const row = x.shape.slice(1).reduce((p, s) => p * s, 1);
      const out = b.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
      // Views after makeOutput: it may grow (and so replace) the heap.
      const src = b.typedArrayFromHeap(x) as Float32Array | Int32Array;
      const dst = b.typedArrayFromHeap(out) as Float32Array | Int32Array;
      const ids = b.typedArrayFromHeap(indices) as Int32Array | Float32Array;
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (!(id >= 0 && id < rows)) {
          b.disposeData(out.dataId);
          throw new Error(`GatherV2: the index value ${id} is not in [0, ${rows - 1}]`);
        }
        dst.set(src.subarray(id * row, id * row + row), i * row);
      }
      return out;
    },
  };
}
