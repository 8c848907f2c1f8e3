// FtbGelu / FtbGeluGrad: ftbench's fused GELU (tanh form) kernels behind ops/gelu.ts, native on the wasm heap.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from '../native/index.js';
import { heapOf, offsetOf, sizeOf } from './heap.js';

export const GELU = 'FtbGelu';
export const GELU_GRAD = 'FtbGeluGrad';

export function geluConfigs(addon: NativeAddon): tf.KernelConfig[] {
  return [
    {
      kernelName: GELU,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as BackendWasm;
        const { x } = inputs as { x: tf.TensorInfo };
        const y = b.makeOutput(x.shape, 'float32');
        addon.gelu(heapOf(b), offsetOf(b, x), offsetOf(b, y), sizeOf(x));
        return y;
      },
    },
    {
      kernelName: GELU_GRAD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as BackendWasm;
        const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
        const dx = b.makeOutput(x.shape, 'float32');
        addon.geluGrad(heapOf(b), offsetOf(b, dy), offsetOf(b, x), offsetOf(b, dx), sizeOf(x));
        return dx;
      },
    },
  ];
}
