// Pow with a scalar exponent (x^3 in GELU, x^2 in its gradient) natively; any other shape goes to the stock kernel.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from '../native/index.js';
import { heapOf, offsetOf, sizeOf } from './heap.js';
import { UNARY } from './unary.js';

export function powConfig(addon: NativeAddon): tf.KernelConfig {
  const stock = tf.getKernel('Pow', 'wasm')!;
  return {
    kernelName: 'Pow',
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const { a, b: e } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      if (a.dtype !== 'float32' || e.dtype !== 'float32' || sizeOf(e) !== 1) return stock.kernelFunc(args);
      const b = args.backend as BackendWasm;
      const p = (b.typedArrayFromHeap(e) as Float32Array)[0];
      const out = b.makeOutput(a.shape, 'float32');
      addon.unary(heapOf(b), UNARY.Pow, offsetOf(b, a), offsetOf(b, out), sizeOf(a), p);
      return out;
    },
  };
}
