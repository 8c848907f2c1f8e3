// FtbAdamW: ftbench's fused AdamW update kernel behind ops/adamw.ts, native on the backend's memory; outputs p', m', v'.
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';
import type { NativeAddon } from '../native/index.js';
import { sizeOf } from './heap.js';

export const ADAMW = 'FtbAdamW';
/** Several parameters' updates in one kernel call (webgpu only: it binds them in few dispatches). */
export const ADAMW_GROUP = 'FtbAdamWGroup';

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

/** FtbAdamWGroup's attributes: the shared betas and ε, and per parameter j its lr, bias corrections and decay. */
export interface AdamWGroupAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  lr: number[];
  c1: number[];
  c2: number[];
  decay: number[];
}

export function adamwConfig(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig {
  return {
    kernelName: ADAMW,
    backendName: mem.backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend;
      const { p, g, m, v } = inputs as Record<string, tf.TensorInfo>;
      const a = attrs as unknown as AdamWAttrs;
      const outs = [mem.alloc(b, p.shape, 'float32'), mem.alloc(b, p.shape, 'float32'), mem.alloc(b, p.shape, 'float32')];
      addon.adamw(mem.heap(b), mem.ref(b, p), mem.ref(b, g), mem.ref(b, m), mem.ref(b, v), mem.ref(b, outs[0]),
        mem.ref(b, outs[1]), mem.ref(b, outs[2]), sizeOf(p), a.lr, a.beta1, a.beta2, a.eps, a.c1, a.c2, a.decay);
      return outs;
    },
  };
}
