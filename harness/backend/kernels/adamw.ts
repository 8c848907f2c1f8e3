// FtbAdamW: ftbench's fused AdamW update kernel behind ops/adamw.ts, native on the wasm heap; outputs p', m', v'.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from '../native/index.js';
import { heapOf, offsetOf, sizeOf } from './heap.js';

export const ADAMW = 'FtbAdamW';

export interface AdamWAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Bias corrections 1 − β1^t and 1 − β2^t. */
  c1: number;
  c2: number;
  /** Decoupled weight decay factor 1 − lr·λ. */
  decay: number;
}

export function adamwConfig(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: ADAMW,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend as BackendWasm;
      const { p, g, m, v } = inputs as Record<string, tf.TensorInfo>;
      const a = attrs as unknown as AdamWAttrs;
      const outs = [b.makeOutput(p.shape, 'float32'), b.makeOutput(p.shape, 'float32'), b.makeOutput(p.shape, 'float32')];
      addon.adamw(heapOf(b), offsetOf(b, p), offsetOf(b, g), offsetOf(b, m), offsetOf(b, v), offsetOf(b, outs[0]),
        offsetOf(b, outs[1]), offsetOf(b, outs[2]), sizeOf(p), a.lr, a.beta1, a.beta2, a.eps, a.c1, a.c2, a.decay);
      return outs;
    },
  };
}
