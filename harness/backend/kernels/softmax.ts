// FtbSoftmax / FtbSoftmaxGrad: softmax over the last axis and its gradient in one native pass each, behind
// ops/softmax.ts (tfjs's own gradient is four kernels: two multiplies, a sum and a subtraction).
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';
import type { NativeAddon } from '../native/index.js';
import { sizeOf } from './heap.js';

export const SOFTMAX = 'FtbSoftmax';
export const SOFTMAX_GRAD = 'FtbSoftmaxGrad';

const rowsOf = (t: tf.TensorInfo) => {
  const n = t.shape[t.shape.length - 1] ?? 1;
  return [n === 0 ? 0 : sizeOf(t) / n, n] as const;
};

export function softmaxConfigs(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig[] {
  return [
    {
      kernelName: SOFTMAX,
      backendName: mem.backendName,
      kernelFunc: ({ inputs, backend }) => {
        const b = backend;
        const { x } = inputs as { x: tf.TensorInfo };
        const y = mem.alloc(b, x.shape, 'float32');
        addon.softmax(mem.heap(b), mem.ref(b, x), mem.ref(b, y), ...rowsOf(x));
        return y;
      },
    },
    {
      kernelName: SOFTMAX_GRAD,
      backendName: mem.backendName,
      kernelFunc: ({ inputs, backend }) => {
        const b = backend;
        const { dy, y } = inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
        const dx = mem.alloc(b, y.shape, 'float32');
        addon.softmaxGrad(mem.heap(b), mem.ref(b, dy), mem.ref(b, y), mem.ref(b, dx), ...rowsOf(y));
        return dx;
      },
    },
  ];
}
