// The kernel pack: which kernels ftbench registers on the wasm backend, native ones first when the addon is loaded.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native/index.js';
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
import { layerNormGradConfig } from './ops/layer_norm.js';
import { geluGradConfig } from './ops/gelu.js';
import { softmaxGradConfig } from './ops/softmax.js';

/** Kernels that need nothing but JS (the wasm backend lacks them, or ours is faster). */
export function jsKernels(): tf.KernelConfig[] {
  return [unsortedSegmentSumConfig, identityConfig(), gatherConfig()];
}

/** Kernels running on the native addon. */
export function nativeKernels(addon: NativeAddon): tf.KernelConfig[] {
  return [
    batchMatMulConfig(addon), fusedMatMulConfig(addon),
    unaryConfig(addon, 'Tanh'), unaryConfig(addon, 'Sigmoid'), unaryConfig(addon, 'Exp'),
    powConfig(addon), sumConfig(addon),
    binaryConfig(addon, 'Add'), binaryConfig(addon, 'Sub'), binaryConfig(addon, 'Multiply'), binaryConfig(addon, 'RealDiv'),
    ...layerNormConfigs(addon), ...geluConfigs(addon), adamwConfig(addon),
    transposeConfig(addon), ...softmaxConfigs(addon),
  ];
}

/** Gradients of ftbench's own fused kernels (registered by kernel name, so once for every backend). */
export function registerGradients(): void {
  for (const g of [layerNormGradConfig, geluGradConfig, softmaxGradConfig]) {
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
