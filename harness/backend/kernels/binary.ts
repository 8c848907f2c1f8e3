// Add, Sub, Multiply, RealDiv, Maximum, Minimum, SquaredDifference natively for float32 under any broadcast (same-shape,
// scalar and row broadcasts by the fast path, the rest strided); other dtypes use the stock kernel.
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';
import type { NativeAddon } from '../native/index.js';
import { sizeOf } from './heap.js';
import { broadcastStrides, dimsOf } from './strides.js';
import { type KernelArgs, withStockFallback } from './stock-fallback.js';

const OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6 } as const;
/** Ops the row/scalar fast path (ftb_binary) knows. */
const FAST = 4;
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

const operands = (args: KernelArgs) => args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };

export function binaryConfig(addon: NativeAddon, mem: TensorMemory, kernelName: BinaryKernel): tf.KernelConfig {
  const applies = (args: KernelArgs) => operands(args).a.dtype === 'float32' && operands(args).b.dtype === 'float32';
  return withStockFallback(kernelName, mem, applies, (args) => {
    const { a, b: bt } = operands(args);
    const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, bt.shape);
    const aRep = repeatKind(a.shape, out), bRep = repeatKind(bt.shape, out);
    const b = args.backend;
    if (OPS[kernelName] >= FAST || aRep < 0 || bRep < 0 || out.length === 0) {
      const res = mem.alloc(b, out, 'float32');
      addon.binaryNd(mem.heap(b), OPS[kernelName], mem.ref(b, a), 0, mem.ref(b, bt), 0, mem.ref(b, res), out.length,
        dimsOf(out, broadcastStrides(a.shape, out), broadcastStrides(bt.shape, out)));
      return res;
    }
    const res = mem.alloc(b, out, 'float32');
    const n = out.length === 0 ? 1 : out[out.length - 1];
    const total = sizeOf(res);
    addon.binary(mem.heap(b), OPS[kernelName], mem.ref(b, a), mem.ref(b, bt), mem.ref(b, res), n === 0 ? 0 : total / n, n,
      aRep === 2 && bRep === 2 ? 0 : aRep, aRep === 2 && bRep === 2 ? 0 : bRep);
    return res;
  });
}
