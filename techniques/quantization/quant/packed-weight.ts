// A quantized weight really stored packed (codes in a Uint8Array plus scales) that knows its byte size and dequantizes on demand.
import * as tf from '@tensorflow/tfjs';
import { dequant4, dequant4Tensor, quant4 } from '../../../harness/backend/codebook4.js';
import { NF4, NF4_MIDPOINTS } from './nf4.js';
import { dequantizeBlockwise, quantizeBlockwise } from '../../../harness/quant/blockwise.js';
import { type DoubleQuantized, DQ_BLOCK, dequantizeScales, doubleQuantBytes, doubleQuantize } from './double-quant.js';
import { type IntK, type IntKSpec, centeredCodes, dequantizeIntK, quantizeIntK } from './intk.js';
import { pack, unpack } from '../../../harness/quant/pack.js';

export type QuantFormat =
  | { kind: 'nf4'; block: number; doubleQuant: boolean }
  | ({ kind: 'int' } & IntKSpec);

export interface PackedWeight {
  readonly dIn: number;
  readonly dOut: number;
  readonly format: QuantFormat;
  /** Bytes this weight really occupies: packed codes plus every stored scale, offset and zero point. */
  bytes(): number;
  /** The dequantized weight, row-major [d_in, d_out]. */
  values(): Float32Array;
  /** The dequantized weight as a tensor; inside a forward pass, tf.tidy or the gradient tape disposes it. */
  dequantize(): tf.Tensor2D;
}

/**
 * NF4 with block-wise absmax over the row-major [d_in, d_out] weight (blocks run along d_out, the transpose of
 * bitsandbytes' [out, in] order; the error analysis is the same), absmax optionally double-quantized.
 */
export class Nf4Weight implements PackedWeight {
  readonly format: QuantFormat;
  readonly packed: Uint8Array; // two 4-bit codes per byte
  readonly absmax: Float32Array | null; // fp32 scales when not double-quantized
  readonly dq: DoubleQuantized | null;

  constructor(w: ArrayLike<number>, readonly dIn: number, readonly dOut: number, readonly block: number, doubleQuant: boolean) {
    this.format = { kind: 'nf4', block, doubleQuant };
    // Even blocks start on a byte: packed straight from the weights, on the kernel pack when it is built (the load
    // time of a 7B base). Odd blocks and plain number arrays take the general codebook path; both give the same codes.
    let absmax: Float32Array;
    if (block % 2 === 0 && w instanceof Float32Array) ({ packed: this.packed, absmax } = quant4(w, NF4_MIDPOINTS, block));
    else {
      const q = quantizeBlockwise(w, block, NF4);
      this.packed = pack(q.codes, 4);
      absmax = q.absmax;
    }
    this.dq = doubleQuant ? doubleQuantize(absmax, DQ_BLOCK) : null;
    this.absmax = doubleQuant ? null : absmax;
  }

  scales(): Float32Array {
    return this.dq ? dequantizeScales(this.dq) : this.absmax!;
  }

  bytes(): number {
    return this.packed.length + (this.dq ? doubleQuantBytes(this.dq) : 4 * this.absmax!.length);
  }

  values(): Float32Array {
    const n = this.dIn * this.dOut;
    if (this.block % 2 !== 0) return dequantizeBlockwise(unpack(this.packed, 4, n), this.scales(), this.block, NF4.levels);
    // Every forward and backward of a packed base runs this over all its weights: it is the inner loop of a QLoRA step.
    return dequant4({ packed: this.packed, scales: this.scales() }, NF4.levels, n, this.block);
  }

  dequantize(): tf.Tensor2D {
    if (this.block % 2 !== 0) return tf.tensor2d(this.values(), [this.dIn, this.dOut]);
    return dequant4Tensor({ packed: this.packed, scales: this.scales() }, NF4.levels, [this.dIn, this.dOut], this.block) as tf.Tensor2D;
  }
}

/** Group-wise INT-k: codes packed at k bits, fp32 scales [nGroups, d_out], fp32 zero points when asymmetric. */
export class IntKWeight implements PackedWeight {
  readonly format: QuantFormat;
  readonly packed: Uint8Array;
  /** Scales and zero points; `zero` may be shifted (QA-LoRA's merge) while the codes stay as they are. */
  readonly grid: Omit<IntK, 'codes'>;

  constructor(w: ArrayLike<number>, readonly dIn: number, readonly dOut: number, spec: IntKSpec) {
    this.format = { kind: 'int', ...spec };
    const { codes, ...grid } = quantizeIntK(w, dIn, dOut, spec);
    this.packed = pack(codes, spec.bits);
    this.grid = grid;
  }

  codes(): Uint8Array {
    return unpack(this.packed, this.grid.spec.bits, this.dIn * this.dOut);
  }

  bytes(): number {
    const { scale, zero } = this.grid;
    return this.packed.length + 4 * scale.length + (zero ? 4 * zero.length : 0);
  }

  /** q − z: the integer grid before the scales (what PEQA multiplies by its trainable scales). */
  centered(): Float32Array {
    return centeredCodes(this.grid, this.codes());
  }

  values(): Float32Array {
    return dequantizeIntK({ ...this.grid, codes: this.codes() });
  }

  dequantize(): tf.Tensor2D {
    return tf.tensor2d(this.values(), [this.dIn, this.dOut]);
  }

  /** Adds δ [nGroups, d_out] (weight units) to every weight of its group and column by moving the zero point: s(q − z') = s(q − z) + δ. */
  shiftZeros(delta: ArrayLike<number>): void {
    const { scale, zero } = this.grid;
    if (!zero) throw new Error('IntKWeight: a symmetric grid has no zero points to shift.');
    if (delta.length !== zero.length) throw new Error(`IntKWeight: shift has ${delta.length} entries, expected ${zero.length}.`);
    for (let k = 0; k < zero.length; k++) zero[k] -= delta[k] / scale[k];
  }
}

export function packWeight(w: ArrayLike<number>, dIn: number, dOut: number, format: QuantFormat): PackedWeight {
  return format.kind === 'nf4' ? new Nf4Weight(w, dIn, dOut, format.block, format.doubleQuant) : new IntKWeight(w, dIn, dOut, format);
}
