// FtbSoftmax / FtbSoftmaxGrad: softmax over the last axis and its gradient in one native pass each, behind
// ops/softmax.ts (tfjs's own gradient is four kernels: two multiplies, a sum and a subtraction).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from '../native/index.js';
import { heapOf, offsetOf, sizeOf } from './heap.js';

export const SOFTMAX = 'FtbSoftmax';
export const SOFTMAX_GRAD = 'FtbSoftmaxGrad';

const rowsOf = (t: tf.TensorInfo) => {
  const n = t.shape[t.shape.length - 1] ?? 1;
  return [n === 0 ? 0 : sizeOf(t) / n, n] as const;
};

export function softmaxConfigs(addon: NativeAddon): tf.KernelConfig[] {
  return [
    {
      kernelName: SOFTMAX,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as BackendWasm;
        const { x } = inputs as { x: tf.TensorInfo };
        const y = b.makeOutput(x.shape, 'float32');
        addon.softmax(heapOf(b), offsetOf(b, x), offsetOf(b, y), ...rowsOf(x));
        return y;
      },
    },
    {
      kernelName: SOFTMAX_GRAD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as BackendWasm;
        const { dy, y } = inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
        const dx = b.makeOutput(y.shape, 'float32');
        addon.softmaxGrad(heapOf(b), offsetOf(b, dy), offsetOf(b, y), offsetOf(b, dx), ...rowsOf(y));
        return dx;
      },
    },
  ];
}
