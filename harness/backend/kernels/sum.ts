// Sum over a leading or trailing block of axes natively (bias gradients, norms); other axis sets use the stock kernel.
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';
import type { NativeAddon } from '../native/index.js';

export function sumConfig(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig {
  const stock = tf.getKernel('Sum', mem.backendName)!;
  return {
    kernelName: 'Sum',
    backendName: mem.backendName,
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      const rank = x.shape.length;
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
      const leading = axes.every((ax, i) => ax === i);
      const trailing = axes.every((ax, i) => ax === rank - axes.length + i);
      if (x.dtype !== 'float32' || axes.length === 0 || !(leading || trailing)) return stock.kernelFunc(args);
      const reduced = axes.reduce((p, ax) => p * x.shape[ax], 1);
      const kept = x.shape.filter((_, i) => !axes.includes(i));
      const outShape = keepDims ? x.shape.map((s, i) => (axes.includes(i) ? 1 : s)) : kept;
      const b = args.backend;
      const out = mem.alloc(b, outShape, 'float32');
      const keptSize = kept.reduce((p, s) => p * s, 1);
      addon.sum(mem.heap(b), mem.ref(b, x), mem.ref(b, out), leading ? reduced : keptSize, leading ? keptSize : reduced, leading ? 1 : 0);
      return out;
    },
  };
}
