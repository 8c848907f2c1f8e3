// Quantized LoRA's delta layer: the fp32 pair the quantization plugins put on a quantized base, s · (x A B), scaled after the product.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../../harness/model/model.js';
import type { Linear } from '../../../harness/model/module.js';
import { DeltaAdapter, loraKind, scaled, type DeltaKind, type LoraAdapter, type LoraVars, type PairInit } from '../../shared/delta-layer.js';

/** LoRA's pair (random A and B = 0, or `init`: LoftQ's fitted pair) with the scale on the product, QLoRA's order. */
export function quantLoraLayer(r: number, s: number, init?: PairInit): DeltaKind<LoraVars> {
  return loraKind(r, s, { init, apply: (x, A, B) => scaled(tf.matMul(tf.matMul(x, A), B), s) });
}

/**
 * Quantized LoRA on `targets`. Construct it after the QuantizedBase: its wrapper then sits outside, adding s · x A B
 * to x Ŵ, with the shared seeded dropout.
 */
export function quantLora(model: Model, targets: Linear[], o: { r: number; scale: number; dropout: number; seed: number; init?: PairInit }): LoraAdapter {
  return new DeltaAdapter(model, targets, quantLoraLayer(o.r, o.scale, o.init), { dropout: o.dropout, seed: o.seed });
}
