// Pow with a scalar exponent (x^3 in GELU, x^2 in its gradient) natively; any other shape goes to the stock kernel.
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';
import type { NativeAddon } from '../native/index.js';
import { sizeOf } from './heap.js';
import { UNARY } from './unary.js';
import { type KernelArgs, withStockFallback } from './stock-fallback.js';

const operands = (args: KernelArgs) => args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };

export function powConfig(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig {
  const applies = (args: KernelArgs) => {
    const { a, b: e } = operands(args);
    return a.dtype === 'float32' && e.dtype === 'float32' && sizeOf(e) === 1;
  };
  return withStockFallback('Pow', mem, applies, (args) => {
    const { a, b: e } = operands(args);
    const b = args.backend;
    const p = (mem.view(b, e) as Float32Array)[0];
    const out = mem.alloc(b, a.shape, 'float32');
    addon.unary(mem.heap(b), UNARY.Pow, mem.ref(b, a), mem.ref(b, out), sizeOf(a), p);
    return out;
  });
}
