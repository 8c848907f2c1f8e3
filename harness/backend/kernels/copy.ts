// Data movement natively for 4-byte dtypes (float32, int32): any Transpose the axis-group swap does not cover, Slice,
// SplitV, Concat and PadV2, each one strided copy (ftb_copy_nd) per output. The cpu backend's versions index element by element in JS.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../native/index.js';
import type { TensorMemory } from './memory.js';
import { dimsOf, stridesOf } from './strides.js';
import { sizeOf } from './heap.js';
import { type KernelArgs, withStockFallback } from './stock-fallback.js';

const fourBytes = (t: tf.TensorInfo) => t.dtype === 'float32' || t.dtype === 'int32';

/** y = transpose(x, perm) into a fresh tensor. */
export function transposeInto(addon: NativeAddon, mem: TensorMemory, b: object, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  const outShape = perm.map((p) => x.shape[p]);
  const y = mem.alloc(b, outShape, x.dtype);
  const xs = stridesOf(x.shape);
  addon.copyNd(mem.heap(b), mem.ref(b, x), 0, mem.ref(b, y), 0, outShape.length,
    dimsOf(outShape, perm.map((p) => xs[p]), stridesOf(outShape)));
  return y;
}

/** One strided copy for a 4-byte tensor of rank ≥ 1 (a scalar has nothing to stride over). */
const copyable = (x: tf.TensorInfo) => fourBytes(x) && x.shape.length > 0;
const input = (args: KernelArgs) => (args.inputs as { x: tf.TensorInfo }).x;

export function sliceConfig(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig {
  return withStockFallback('Slice', mem, (args) => copyable(input(args)), (args) => {
    const x = input(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [lo, sz] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const b = args.backend;
    const y = mem.alloc(b, sz, x.dtype);
    if (sizeOf(y) === 0) return y;
    const xs = stridesOf(x.shape);
    const off = lo.reduce((p, l, d) => p + l * xs[d], 0);
    addon.copyNd(mem.heap(b), mem.ref(b, x), off, mem.ref(b, y), 0, sz.length, dimsOf(sz, xs, stridesOf(sz)));
    return y;
  });
}

/** SplitV (RoPE's halves, fused projections): the stock one slices each part element by element in JS. */
export function splitVConfig(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig {
  return withStockFallback('SplitV', mem, (args) => copyable(input(args)), (args) => {
    const x = input(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const b = args.backend;
    const xs = stridesOf(x.shape);
    let at = 0;
    return sizes.map((size) => {
      const shape = x.shape.map((s, d) => (d === ax ? size : s));
      const y = mem.alloc(b, shape, x.dtype);
      if (sizeOf(y) > 0) addon.copyNd(mem.heap(b), mem.ref(b, x), at * xs[ax], mem.ref(b, y), 0, shape.length, dimsOf(shape, xs, stridesOf(shape)));
      at += size;
      return y;
    });
  });
}

export function concatConfig(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig {
  const parts = (args: KernelArgs) => args.inputs as unknown as tf.TensorInfo[];
  const applies = (args: KernelArgs) => {
    const xs = parts(args);
    return xs.length > 0 && xs.every((t) => fourBytes(t) && t.dtype === xs[0].dtype) && xs[0].shape.length > 0;
  };
  return withStockFallback('Concat', mem, applies, (args) => {
    const xs = parts(args);
    const { axis } = args.attrs as unknown as { axis: number };
    const ax = tf.util.parseAxisParam(axis, xs[0].shape)[0];
    const outShape = tf.backend_util.computeOutShape(xs.map((t) => t.shape), ax);
    const b = args.backend;
    const y = mem.alloc(b, outShape, xs[0].dtype);
    const ys = stridesOf(outShape);
    let at = 0;
    for (const x of xs) {
      if (sizeOf(x) > 0) {
        addon.copyNd(mem.heap(b), mem.ref(b, x), 0, mem.ref(b, y), at * ys[ax], x.shape.length,
          dimsOf(x.shape, stridesOf(x.shape), ys));
      }
      at += x.shape[ax];
    }
    return y;
  });
}

export function padConfig(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig {
  return withStockFallback('PadV2', mem, (args) => copyable(input(args)), (args) => {
    const x = input(args);
    const { paddings, constantValue } = args.attrs as unknown as { paddings: [number, number][]; constantValue: number };
    const outShape = x.shape.map((s, d) => paddings[d][0] + s + paddings[d][1]);
    const b = args.backend;
    const y = mem.alloc(b, outShape, x.dtype);
    addon.fill(mem.heap(b), mem.ref(b, y), sizeOf(y), constantValue, +(x.dtype === 'int32'));
    const ys = stridesOf(outShape);
    if (sizeOf(x) > 0) {
      addon.copyNd(mem.heap(b), mem.ref(b, x), 0, mem.ref(b, y), paddings.reduce((p, [lo], d) => p + lo * ys[d], 0),
        x.shape.length, dimsOf(x.shape, stridesOf(x.shape), ys));
    }
    return y;
  });
}
