// ftbench's WGSL kernels for the `webgpu` backend: the fused ops of harness/backend/ops (LayerNorm, GELU, softmax,
// AdamW, attention) and the on-device gradient clipping. FTBENCH_WEBGPU_FUSED=0 leaves tfjs's plain-op forms (for comparison).
import * as tf from '@tensorflow/tfjs';
import { adamwWebgpu } from './kernels/adamw.js';
import { attentionWebgpu } from './kernels/attention.js';
import { attentionGradConfig } from '../ops/attention.js';
import { geluWebgpu } from './kernels/gelu.js';
import { layerNormWebgpu } from './kernels/layer_norm.js';
import { softmaxWebgpu } from './kernels/softmax.js';

export function fusedEnabled(): boolean {
  return process.env.FTBENCH_WEBGPU_FUSED !== '0';
}

/** Registers the kernels (once); returns their names, for BackendInfo.kernels. */
export function registerWebgpuKernels(): string[] {
  if (!fusedEnabled()) return [];
  const configs = [...layerNormWebgpu, ...geluWebgpu, ...softmaxWebgpu, adamwWebgpu, ...attentionWebgpu];
  for (const c of configs) if (!tf.getKernel(c.kernelName, 'webgpu')) tf.registerKernel(c);
  // Only webgpu has the fused attention kernel, so its gradient is registered here (the others' by kernel_pack).
  if (!tf.getGradient(attentionGradConfig.kernelName)) tf.registerGradient(attentionGradConfig);
  return configs.map((c) => c.kernelName);
}
