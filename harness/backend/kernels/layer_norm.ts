// FtbLayerNorm / FtbLayerNormGrad: ftbench's own fused kernels behind ops/layer_norm.ts, native on the backend's memory.
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';
import type { NativeAddon } from '../native/index.js';
import { sizeOf } from './heap.js';

export const LAYER_NORM = 'FtbLayerNorm';
export const LAYER_NORM_GRAD = 'FtbLayerNormGrad';

export function layerNormConfigs(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig[] {
  return [
    {
      // inputs x [..., d], gamma [d], beta [d]; outputs y, mean [rows], rstd [rows]
      kernelName: LAYER_NORM,
      backendName: mem.backendName,
      kernelFunc: ({ inputs, attrs, backend }) => {
        const b = backend;
        const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
        const d = x.shape[x.shape.length - 1], rows = d === 0 ? 0 : sizeOf(x) / d;
        const y = mem.alloc(b, x.shape, 'float32'), mean = mem.alloc(b, [rows], 'float32'), rstd = mem.alloc(b, [rows], 'float32');
        addon.layerNorm(mem.heap(b), mem.ref(b, x), mem.ref(b, gamma), mem.ref(b, beta), mem.ref(b, y), mem.ref(b, mean),
          mem.ref(b, rstd), rows, d, (attrs as unknown as { eps: number }).eps);
        return [y, mean, rstd];
      },
    },
    {
      // inputs dy, x, gamma, mean, rstd; attr part: 0 → dx, 1 → dgamma [d], 2 → dbeta [d]
      kernelName: LAYER_NORM_GRAD,
      backendName: mem.backendName,
      kernelFunc: ({ inputs, attrs, backend }) => {
        const b = backend;
        const { dy, x, gamma, mean, rstd } = inputs as Record<string, tf.TensorInfo>;
        const part = (attrs as unknown as { part: number }).part;
        const d = x.shape[x.shape.length - 1], rows = d === 0 ? 0 : sizeOf(x) / d;
        const out = mem.alloc(b, part === 0 ? x.shape : [d], 'float32');
        const o = mem.ref(b, out);
        addon.layerNormGrad(mem.heap(b), mem.ref(b, dy), mem.ref(b, x), mem.ref(b, gamma), mem.ref(b, mean), mem.ref(b, rstd),
          part === 0 ? o : mem.none, part === 1 ? o : mem.none, part === 2 ? o : mem.none, rows, d);
        return out;
      },
    },
  ];
}
