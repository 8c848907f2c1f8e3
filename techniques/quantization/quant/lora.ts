// The fp32 LoRA the quantization plugins put on top of a quantized base: s · (x A B), scaled after the product.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../../harness/model/model.js';
import type { Linear } from '../../../harness/model/module.js';
import { LoraAdapter, type LoraOptions } from '../../shared/lora-layer.js';

/**
 * LoRA pairs over a quantized base. Construct it after the QuantizedBase: its wrapper then sits outside, adding
 * s · x A B to x Ŵ. Dropout is the shared seeded one; the scale multiplies the product (QLoRA's order), where plain
 * LoRA scales the rank-r intermediate.
 */
export function quantLora(model: Model, targets: Linear[], opts: LoraOptions): LoraAdapter {
  return new LoraAdapter(model, targets, opts, (x, p) => tf.matMul(tf.matMul(x, p.A), p.B));
}
