// A model's chosen linears served from packed quantized weights: each forward dequantizes its weight on the fly.
//
// The fp32 weight variables stay in the Model, untouched: `model.hooks.enabled = false` (disable the technique,
// compare with the base) runs them, which is how the harness restores the base. They are the reference copy a
// deployment would drop, so baseBytes counts the packed weights, not them (plus every fp32 parameter that is not
// quantized: embeddings, norms, biases, heads). A trial that loads the base packed (Technique.packAtLoad) has no fp32
// copy at all: its linears hold the packed weight from load on, and disabling the technique runs that.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../../harness/model/model.js';
import { type Linear, frozenDense } from '../../../harness/model/module.js';
import type { PackedWeight } from './packed-weight.js';
import type { AdapterModule } from '../../shared/applied.js';

/** The layers quantized by default: every linear of the transformer blocks (QLoRA quantizes all of them). */
export const BLOCK_LINEARS = 'layers.*.{attn,ffn}.*';
/** Every linear of the model: the blocks and the language-modelling head. */
export const ALL_LINEARS = '{layers.*.{attn,ffn}.*,lm_head,lm_head.*}';

export interface QuantLayer {
  linear: Linear;
  weight: PackedWeight;
}

export class QuantizedBase implements AdapterModule {
  /** Folding ΔW into a packed weight would re-quantize W + ΔW and change the outputs (QA-LoRA's point). */
  readonly merge = false;
  readonly layers: QuantLayer[];
  /** The token embedding table, when stored packed too ([vocab, d] as a weight of d_in = vocab rows). */
  embeddings: PackedWeight | null = null;
  private readonly removers: (() => void)[];

  /**
   * Quantizes `linears` with `quantize` and routes their forward through `forward` (default: x · dequant(W) + b).
   * Register this before any adapter on the same linears: the first wrapper is the innermost one.
   */
  constructor(
    private readonly model: Model,
    linears: Linear[],
    quantize: (l: Linear) => PackedWeight,
    // Dequantized per matmul, forward and backward, as bitsandbytes does: no fp32 weight is kept for backward.
    forward: (x: tf.Tensor, layer: QuantLayer) => tf.Tensor = (x, { linear, weight }) => frozenDense(x, weight, linear.bias),
  ) {
    if (linears.length === 0) throw new Error('No linear layer matches the technique\'s quantized modules.');
    // A linear loaded packed (the technique's packAtLoad) already holds its quantized weight.
    this.layers = linears.map((linear) => ({ linear, weight: (linear.frozen as PackedWeight | null) ?? quantize(linear) }));
    // The quantized weight replaces the base computation, so `next` (the fp32 path) is not called.
    this.removers = this.layers.map((layer) => model.hooks.wrap(layer.linear.name, (x: tf.Tensor) => forward(x, layer)));
  }

  /**
   * Stores the token embedding table packed as well and serves the `embed.tok` hook from it: the rows a batch needs
   * are gathered from the dequantized table. In a model this small the table is a third of the weights, so leaving it
   * in fp32 (as bitsandbytes does for billion-parameter models, where it is ~2%) would hide most of the saving.
   */
  quantizeEmbeddings(quantize: (w: Float32Array, rows: number, cols: number) => PackedWeight): void {
    const table = this.model.params.get('embed.tok.weight');
    if (!table || this.embeddings) throw new Error('The model has no token embedding table to quantize, or it is already quantized.');
    const [rows, cols] = table.shape;
    const weight = quantize(table.dataSync() as Float32Array, rows!, cols!);
    this.embeddings = weight;
    this.removers.push(this.model.hooks.wrap('embed.tok', (ids: tf.Tensor) => tf.gather(weight.dequantize(), ids)));
  }

  /** Bytes of the packed quantized weights. */
  packedBytes(): number {
    return this.layers.reduce((n, l) => n + l.weight.bytes(), this.embeddings?.bytes() ?? 0);
  }

  quantizedParams(): number {
    return this.layers.reduce((n, l) => n + l.linear.dIn * l.linear.dOut, this.embeddings ? this.embeddings.dIn * this.embeddings.dOut : 0);
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
