// Tanh, Sigmoid and Exp on the wasm backend through vectorised native loops (the stock ones call scalar libm per element).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from '../native/index.js';
import { heapOf, offsetOf, sizeOf } from './heap.js';

/** Op codes of ftb_unary (native/src/ftb.h). */
export const UNARY = { Tanh: 0, Sigmoid: 1, Exp: 2, Pow: 3 } as const;

export function unaryConfig(addon: NativeAddon, kernelName: 'Tanh' | 'Sigmoid' | 'Exp'): tf.KernelConfig {
  const stock = tf.getKernel(kernelName, 'wasm');
  return {
    kernelName,
    backendName: 'wasm',
    setupFunc: stock?.setupFunc,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      // Integer inputs keep tfjs's own semantics.
      if (x.dtype !== 'float32') return stock!.kernelFunc(args);
      const b = args.backend as BackendWasm;
      const out = b.makeOutput(x.shape, 'float32');
      addon.unary(heapOf(b), UNARY[kernelName], offsetOf(b, x), offsetOf(b, out), sizeOf(x), 0);
      return out;
    },
  };
}
