// Tanh, Sigmoid and Exp through vectorised native loops (the stock ones call scalar libm per element).
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';
import type { NativeAddon } from '../native/index.js';
import { sizeOf } from './heap.js';
import { type KernelArgs, withStockFallback } from './stock-fallback.js';

/** Op codes of ftb_unary (native/src/ftb.h). */
export const UNARY = { Tanh: 0, Sigmoid: 1, Exp: 2, Pow: 3 } as const;

const input = (args: KernelArgs) => (args.inputs as { x: tf.TensorInfo }).x;

export function unaryConfig(addon: NativeAddon, mem: TensorMemory, kernelName: 'Tanh' | 'Sigmoid' | 'Exp'): tf.KernelConfig {
  // Integer inputs keep tfjs's own semantics.
  return withStockFallback(kernelName, mem, (args) => input(args).dtype === 'float32', (args) => {
    const x = input(args);
    const b = args.backend;
    const out = mem.alloc(b, x.shape, 'float32');
    addon.unary(mem.heap(b), UNARY[kernelName], mem.ref(b, x), mem.ref(b, out), sizeOf(x), 0);
    return out;
  });
}
