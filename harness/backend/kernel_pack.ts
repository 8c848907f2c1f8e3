// The kernel pack: which kernels ftbench registers on the wasm and native backends (native ones need the addon).
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native/index.js';
import type { TensorMemory } from './kernels/memory.js';
import { unsortedSegmentSumConfig } from './kernels/unsorted_segment_sum.js';
import { batchMatMulConfig } from './kernels/batch_mat_mul.js';
import { fusedMatMulConfig } from './kernels/fused_mat_mul.js';
import { unaryConfig } from './kernels/unary.js';
import { powConfig } from './kernels/pow.js';
import { sumConfig } from './kernels/sum.js';
import { binaryConfig } from './kernels/binary.js';
import { identityConfig } from './kernels/identity.js';
import { gatherConfig } from './kernels/gather.js';
import { layerNormConfigs } from './kernels/layer_norm.js';
import { geluConfigs } from './kernels/gelu.js';
import { adamwConfig } from './kernels/adamw.js';
import { transposeConfig } from './kernels/transpose.js';
import { softmaxConfigs } from './kernels/softmax.js';
import { softmaxNllConfigs } from './kernels/softmax_nll.js';
import { concatConfig, padConfig, sliceConfig, splitVConfig } from './kernels/copy.js';
import { layerNormGradConfig } from './ops/layer_norm.js';
import { geluGradConfig } from './ops/gelu.js';
import { softmaxGradConfig } from './ops/softmax.js';
import { softmaxNllGradConfig } from './ops/softmax_nll.js';

/** Kernels that need nothing but JS (the stock backend lacks them, or ours is faster). */
export function jsKernels(mem: TensorMemory): tf.KernelConfig[] {
  const both = [unsortedSegmentSumConfig(mem), gatherConfig(mem)];
  // The cpu backend's Identity already shares the data.
  return mem.backendName === 'wasm' ? [...both, identityConfig()] : both;
}

/** Kernels running on the native addon. */
export function nativeKernels(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig[] {
  return [
    batchMatMulConfig(addon, mem), fusedMatMulConfig(addon, mem),
    unaryConfig(addon, mem, 'Tanh'), unaryConfig(addon, mem, 'Sigmoid'), unaryConfig(addon, mem, 'Exp'),
    powConfig(addon, mem), sumConfig(addon, mem),
    binaryConfig(addon, mem, 'Add'), binaryConfig(addon, mem, 'Sub'), binaryConfig(addon, mem, 'Multiply'), binaryConfig(addon, mem, 'RealDiv'),
    binaryConfig(addon, mem, 'Maximum'), binaryConfig(addon, mem, 'Minimum'), binaryConfig(addon, mem, 'SquaredDifference'),
    ...layerNormConfigs(addon, mem), ...geluConfigs(addon, mem), adamwConfig(addon, mem),
    transposeConfig(addon, mem), ...softmaxConfigs(addon, mem), ...softmaxNllConfigs(addon, mem),
    sliceConfig(addon, mem), splitVConfig(addon, mem), concatConfig(addon, mem), padConfig(addon, mem),
  ];
}

/** Gradients of ftbench's own fused kernels (registered by kernel name, so once for every backend). */
export function registerGradients(): void {
  for (const g of [layerNormGradConfig, geluGradConfig, softmaxGradConfig, softmaxNllGradConfig]) {
    if (!tf.getGradient(g.kernelName)) tf.registerGradient(g);
  }
}

/** Replaces any stock kernel of the same name (registerKernel refuses duplicates). */
export function registerAll(configs: tf.KernelConfig[]): string[] {
  for (const c of configs) {
    if (tf.getKernel(c.kernelName, c.backendName)) tf.unregisterKernel(c.kernelName, c.backendName);
    tf.registerKernel(c);
  }
  return configs.map((c) => c.kernelName);
}
