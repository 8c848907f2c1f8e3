// A model's chosen linears served from packed quantized weights: each forward dequantizes its weight on the fly.
//
// The fp32 weight variables stay in the Model, untouched: `model.hooks.enabled = false` (disable the technique,
// compare with the base) runs them, which is how the harness restores the base. They are the reference copy a
// deployment would drop, so baseBytes counts the packed weights, not them (plus every fp32 parameter that is not
// quantized: embeddings, norms, biases, heads).
import type * as tf from '@tensorflow/tfjs';
import type { Model } from '../../../harness/model/model.js';
import { type Linear, dense } from '../../../harness/model/module.js';
import type { PackedWeight } from './packed-weight.js';

/** The layers quantized by default: every linear of the transformer blocks (QLoRA quantizes all of them). */
export const BLOCK_LINEARS = 'layers.*.{attn,ffn}.*';

export interface QuantLayer {
  linear: Linear;
  weight: PackedWeight;
}

export class QuantizedBase {
  readonly layers: QuantLayer[];
  private readonly removers: (() => void)[];

  /**
   * Quantizes `linears` with `quantize` and routes their forward through `forward` (default: x · dequant(W) + b).
   * Register this before any adapter on the same linears: the first wrapper is the innermost one.
   */
  constructor(
    private readonly model: Model,
    linears: Linear[],
    quantize: (l: Linear) => PackedWeight,
    forward: (x: tf.Tensor, layer: QuantLayer) => tf.Tensor = (x, { linear, weight }) => dense(x, weight.dequantize(), linear.bias),
  ) {
    if (linears.length === 0) throw new Error('No linear layer matches the technique\'s quantized modules.');
    this.layers = linears.map((linear) => ({ linear, weight: quantize(linear) }));
    // The quantized weight replaces the base computation, so `next` (the fp32 path) is not called.
    this.removers = this.layers.map((layer) => model.hooks.wrap(layer.linear.name, (x: tf.Tensor) => forward(x, layer)));
  }

  /** Bytes of the packed quantized weights. */
  packedBytes(): number {
    return this.layers.reduce((n, l) => n + l.weight.bytes(), 0);
  }

  quantizedParams(): number {
    return this.layers.reduce((n, l) => n + l.linear.weight.size, 0);
  }

  /** Real bytes of the served base: packed quantized weights plus every other parameter in fp32. */
  baseBytes(): number {
    return this.packedBytes() + 4 * (this.model.numParams() - this.quantizedParams());
  }

  metrics(): Record<string, number> {
    return {
      'quant.bytes_per_weight': this.packedBytes() / this.quantizedParams(),
      'quant.quantized_fp32_ratio': this.packedBytes() / (4 * this.quantizedParams()),
      'quant.base_fp32_ratio': this.baseBytes() / (4 * this.model.numParams()),
    };
  }

  dispose(): void {
    this.removers.forEach((r) => r());
  }
}

/** A linear's fp32 weight as a plain row-major array. */
export function weightValues(l: Linear): Float32Array {
  return l.weight.dataSync() as Float32Array;
}
