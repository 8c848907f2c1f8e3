// FtbGelu / FtbGeluGrad: ftbench's fused GELU (tanh form) kernels behind ops/gelu.ts, native on the backend's memory.
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';
import type { NativeAddon } from '../native/index.js';
import { sizeOf } from './heap.js';

export const GELU = 'FtbGelu';
export const GELU_GRAD = 'FtbGeluGrad';

export function geluConfigs(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig[] {
  return [
    {
      kernelName: GELU,
      backendName: mem.backendName,
      kernelFunc: ({ inputs, backend }) => {
        const b = backend;
        const { x } = inputs as { x: tf.TensorInfo };
        const y = mem.alloc(b, x.shape, 'float32');
        addon.gelu(mem.heap(b), mem.ref(b, x), mem.ref(b, y), sizeOf(x));
        return y;
      },
    },
    {
      kernelName: GELU_GRAD,
      backendName: mem.backendName,
      kernelFunc: ({ inputs, backend }) => {
        const b = backend;
        const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
        const dx = mem.alloc(b, x.shape, 'float32');
        addon.geluGrad(mem.heap(b), mem.ref(b, dy), mem.ref(b, x), mem.ref(b, dx), sizeOf(x));
        return dx;
      },
    },
  ];
}
