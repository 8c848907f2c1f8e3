// ftbench's WGSL kernels for the `webgpu` backend: the fused ops of harness/backend/ops (LayerNorm, RMSNorm, GELU,
// SwiGLU, softmax, softmax cross-entropy, AdamW, attention, LoRA's update), the tiled matmul (fp32 opt-in, and mixed precision) and the
// on-device gradient clipping. FTBENCH_WEBGPU_FUSED=0 leaves tfjs's plain-op forms (for comparison).
import * as tf from '@tensorflow/tfjs';
import { adamwWebgpu } from './kernels/adamw.js';
import { attentionWebgpu } from './kernels/attention.js';
import { attentionGradConfig } from '../ops/attention.js';
import { rmsNormGradConfig } from '../ops/rms_norm.js';
import { swigluGradConfig } from '../ops/swiglu.js';
import { loraGradConfig } from '../ops/lora.js';
import { softmaxNllGradConfig } from '../ops/softmax_nll.js';
import { geluWebgpu } from './kernels/gelu.js';
import { layerNormWebgpu } from './kernels/layer_norm.js';
import { loraWebgpu } from './kernels/lora.js';
import { rmsNormWebgpu } from './kernels/rms_norm.js';
import { softmaxWebgpu } from './kernels/softmax.js';
import { softmaxNllWebgpu } from './kernels/softmax_nll.js';
import { swigluWebgpu } from './kernels/swiglu.js';
import { registerMatmul } from './matmul.js';

export function fusedEnabled(): boolean {
  return process.env.FTBENCH_WEBGPU_FUSED !== '0';
}

/** Registers the kernels (once); returns their names, for BackendInfo.kernels. */
export function registerWebgpuKernels(): string[] {
  if (!fusedEnabled()) return [];
  const configs = [
    ...layerNormWebgpu, ...rmsNormWebgpu, ...geluWebgpu, ...swigluWebgpu, ...softmaxWebgpu, ...softmaxNllWebgpu, ...adamwWebgpu, ...attentionWebgpu, ...loraWebgpu,
  ];
  for (const c of configs) if (!tf.getKernel(c.kernelName, 'webgpu')) tf.registerKernel(c);
  // Gradients of the kernels only webgpu has (LayerNorm's, GELU's and softmax's come from kernel_pack); softmax NLL's is
  // registered by whichever of the two runs first.
  for (const g of [attentionGradConfig, rmsNormGradConfig, swigluGradConfig, softmaxNllGradConfig, loraGradConfig]) {
    if (!tf.getGradient(g.kernelName)) tf.registerGradient(g);
  }
  return [...configs.map((c) => c.kernelName), ...registerMatmul()];
}
