// Transpose: permutations that swap two adjacent axis groups ([0,2,1,3]: attention's head split and merge) move whole
// rows natively; every other permutation of a 4-byte dtype is one strided copy; the rest stay with the stock kernel.
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';
import { transposeInto } from './copy.js';
import { type KernelArgs, withStockFallback } from './stock-fallback.js';
import type { NativeAddon } from '../native/index.js';

/** Rows shorter than this (floats) gain nothing from block copies. */
const MIN_ROW = 8;

/**
 * x [a, b, c, d] → [a, c, b, d] when `perm` is the identity with the consecutive axis groups [i, j) and [j, k)
 * exchanged; the four sizes are products of the shape over each group. Null for any other permutation.
 */
export function asSwap(shape: number[], perm: number[]): [number, number, number, number] | null {
  const r = perm.length;
  const prod = (lo: number, hi: number) => shape.slice(lo, hi).reduce((p, s) => p * s, 1);
  for (let i = 0; i < r; i++) {
    for (let j = i + 1; j < r; j++) {
      for (let k = j + 1; k <= r; k++) {
        const swapped = [...range(0, i), ...range(j, k), ...range(i, j), ...range(k, r)];
        if (swapped.every((p, n) => p === perm[n])) return [prod(0, i), prod(i, j), prod(j, k), prod(k, r)];
      }
    }
  }
  return null;
}

const range = (lo: number, hi: number) => Array.from({ length: hi - lo }, (_, n) => lo + n);

export function transposeConfig(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig {
  const input = (args: KernelArgs) => (args.inputs as { x: tf.TensorInfo }).x;
  const fourBytes = (args: KernelArgs) => input(args).dtype === 'float32' || input(args).dtype === 'int32';
  return withStockFallback('Transpose', mem, fourBytes, (args) => {
    const x = input(args);
    const { perm } = args.attrs as unknown as { perm: number[] };
    const swap = x.dtype === 'float32' ? asSwap(x.shape, perm) : null;
    const b = args.backend;
    if (!swap || swap[3] < MIN_ROW) return transposeInto(addon, mem, b, x, perm);
    const y = mem.alloc(b, perm.map((p) => x.shape[p]), 'float32');
    addon.swapAxes(mem.heap(b), mem.ref(b, x), mem.ref(b, y), ...swap);
    return y;
  });
}
