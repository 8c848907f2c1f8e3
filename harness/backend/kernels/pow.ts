// Pow with a scalar exponent (x^3 in GELU, x^2 in its gradient) natively; any other shape goes to the stock kernel.
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';
import type { NativeAddon } from '../native/index.js';
import { sizeOf } from './heap.js';
import { UNARY } from './unary.js';

export function powConfig(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig {
  const stock = tf.getKernel('Pow', mem.backendName)!;
  return {
    kernelName: 'Pow',
    backendName: mem.backendName,
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const { a, b: e } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      if (a.dtype !== 'float32' || e.dtype !== 'float32' || sizeOf(e) !== 1) return stock.kernelFunc(args);
      const b = args.backend;
      const p = (mem.view(b, e) as Float32Array)[0];
      const out = mem.alloc(b, a.shape, 'float32');
      addon.unary(mem.heap(b), UNARY.Pow, mem.ref(b, a), mem.ref(b, out), sizeOf(a), p);
      return out;
    },
  };
}
