// A quantized weight really stored packed (codes in a Uint8Array plus scales) that knows its byte size and dequantizes on demand.
import * as tf from '@tensorflow/tfjs';
import { NF4 } from './nf4.js';
import { dequantizeBlockwise, quantizeBlockwise } from './blockwise.js';
import { type DoubleQuantized, DQ_BLOCK, dequantizeScales, doubleQuantBytes, doubleQuantize } from './double-quant.js';
import { type IntK, type IntKSpec, centeredCodes, dequantizeIntK, quantizeIntK } from './intk.js';
import { pack, unpack } from './pack.js';

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
    const q = quantizeBlockwise(w, block, NF4);
    this.packed = pack(q.codes, 4);
    this.dq = doubleQuant ? doubleQuantize(q.absmax, DQ_BLOCK) : null;
    this.absmax = doubleQuant ? null : q.absmax;
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
    // Straight from the packed bytes, two codes per byte through a 256-entry table: every forward and backward of a
    // packed base runs this over all its weights, so it is the inner loop of a QLoRA step (the general path is ~4× slower).
    const out = new Float32Array(n);
    const scales = this.scales();
    const pairs = PAIR_TABLE;
    const half = this.block / 2;
    for (let b = 0, byte = 0; b < scales.length; b++) {
      const s = scales[b];
      const end = Math.min(byte + half, this.packed.length);
      for (; byte < end; byte++) {
        const k = 2 * this.packed[byte];
        out[2 * byte] = pairs[k] * s; // low nibble: the even code (pack.ts lays codes least significant bits first)
        out[2 * byte + 1] = pairs[k + 1] * s;
      }
    }
    return out;
  }

  dequantize(): tf.Tensor2D {
    return tf.tensor2d(this.values(), [this.dIn, this.dOut]);
  }
}

/** For each byte value: the NF4 levels of its low and high nibble, interleaved. */
const PAIR_TABLE = (() => {
  const t = new Float32Array(512);
  for (let b = 0; b < 256; b++) {
    t[2 * b] = NF4.levels[b & 15];
    t[2 * b + 1] = NF4.levels[b >> 4];
  }
  return t;
})();

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
