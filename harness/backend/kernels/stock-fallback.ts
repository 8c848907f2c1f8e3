// A kernel of the pack that serves the inputs it was written for and hands every other call to the stock kernel it replaces.
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Registers `native` as `kernelName` on mem's backend; calls for which `applies` is false (other dtypes, scalars) run
 * the stock kernel looked up now, before ours replaces it. Its setupFunc is kept, so the stock path is ready either way.
 */
export function withStockFallback(kernelName: string, mem: TensorMemory, applies: (args: KernelArgs) => boolean,
  native: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]): tf.KernelConfig {
  const stock = tf.getKernel(kernelName, mem.backendName)!;
  return {
    kernelName,
    backendName: mem.backendName,
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => (applies(args) ? native(args) : stock.kernelFunc(args)),
  };
}
