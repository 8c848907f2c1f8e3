// FtbLayerNorm / FtbLayerNormGrad: ftbench's own fused kernels behind ops/layer_norm.ts, native on the wasm heap.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from '../native/index.js';
import { heapOf, offsetOf, sizeOf } from './heap.js';

export const LAYER_NORM = 'FtbLayerNorm';
export const LAYER_NORM_GRAD = 'FtbLayerNormGrad';

export function layerNormConfigs(addon: NativeAddon): tf.KernelConfig[] {
  return [
    {
      // inputs x [..., d], gamma [d], beta [d]; outputs y, mean [rows], rstd [rows]
      kernelName: LAYER_NORM,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const b = backend as BackendWasm;
        const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
        const d = x.shape[x.shape.length - 1], rows = d === 0 ? 0 : sizeOf(x) / d;
        const y = b.makeOutput(x.shape, 'float32'), mean = b.makeOutput([rows], 'float32'), rstd = b.makeOutput([rows], 'float32');
        addon.layerNorm(heapOf(b), offsetOf(b, x), offsetOf(b, gamma), offsetOf(b, beta), offsetOf(b, y), offsetOf(b, mean),
          offsetOf(b, rstd), rows, d, (attrs as unknown as { eps: number }).eps);
        return [y, mean, rstd];
      },
    },
    {
      // inputs dy, x, gamma, mean, rstd; attr part: 0 → dx, 1 → dgamma [d], 2 → dbeta [d]
      kernelName: LAYER_NORM_GRAD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const b = backend as BackendWasm;
        const { dy, x, gamma, mean, rstd } = inputs as Record<string, tf.TensorInfo>;
        const part = (attrs as unknown as { part: number }).part;
        const d = x.shape[x.shape.length - 1], rows = d === 0 ? 0 : sizeOf(x) / d;
        const out = b.makeOutput(part === 0 ? x.shape : [d], 'float32');
        const o = offsetOf(b, out);
        addon.layerNormGrad(heapOf(b), offsetOf(b, dy), offsetOf(b, x), offsetOf(b, gamma), offsetOf(b, mean), offsetOf(b, rstd),
          part === 0 ? o : -1, part === 1 ? o : -1, part === 2 ? o : -1, rows, d);
        return out;
      },
    },
  ];
}
