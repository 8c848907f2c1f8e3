// Add, Sub, Multiply, RealDiv on the wasm backend natively for same-shape, scalar and row broadcasts; else the stock kernel.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from '../native/index.js';
import { heapOf, offsetOf, sizeOf } from './heap.js';

const OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 } as const;
export type BinaryKernel = keyof typeof OPS;

/** How b broadcasts against a full-size operand of shape `out`: 0 same, 1 one trailing row, 2 scalar, -1 other. */
function repeatKind(shape: number[], out: number[]): number {
  const size = sizeOf({ shape } as tf.TensorInfo);
  if (size === 1) return 2;
  if (shape.length === out.length && shape.every((s, i) => s === out[i])) return 0;
  // [n], [1, n], [1, 1, n] against [..., n]: the same row for every leading index.
  const n = out[out.length - 1];
  if (shape[shape.length - 1] === n && size === n) return 1;
  return -1;
}

export function binaryConfig(addon: NativeAddon, kernelName: BinaryKernel): tf.KernelConfig {
  const stock = tf.getKernel(kernelName, 'wasm')!;
  return {
    kernelName,
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const { a, b: bt } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      if (a.dtype !== 'float32' || bt.dtype !== 'float32') return stock.kernelFunc(args);
      const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, bt.shape);
      const aRep = repeatKind(a.shape, out), bRep = repeatKind(bt.shape, out);
      if (aRep < 0 || bRep < 0 || out.length === 0 && (aRep !== 2 || bRep !== 2)) return stock.kernelFunc(args);
      const b = args.backend as BackendWasm;
      const res = b.makeOutput(out, 'float32');
      const n = out.length === 0 ? 1 : out[out.length - 1];
      const total = sizeOf(res);
      addon.binary(heapOf(b), OPS[kernelName], offsetOf(b, a), offsetOf(b, bt), offsetOf(b, res), n === 0 ? 0 : total / n, n,
        aRep === 2 && bRep === 2 ? 0 : aRep, aRep === 2 && bRep === 2 ? 0 : bRep);
      return res;
    },
  };
}
