// Uniform INT-k quantization (k = 2, 3, 4, 8) of a weight W [d_in, d_out]: ŵ = s·(q − z), one (s, z) per output column and group of d_in rows.
import type { Codebook } from '../../../harness/quant/blockwise.js';

export const INT_BITS = [2, 3, 4, 8] as const;
export type IntBits = (typeof INT_BITS)[number];

export interface IntKSpec {
  bits: IntBits;
  /** Rows of d_in sharing one scale; 0 = per channel (one scale per output column over all of d_in). */
  group: number;
  /** Symmetric: z = 2^(k−1) − 1 fixed, s = absmax / z (no zero point stored). Asymmetric: s = (max − min)/(2^k − 1), z = −min / s. */
  symmetric: boolean;
}

export interface IntK {
  spec: IntKSpec;
  dIn: number;
  dOut: number;
  group: number; // the effective group size (d_in when per channel)
  codes: Uint8Array; // q ∈ [0, 2^k − 1], row-major like W
  scale: Float32Array; // [nGroups, d_out]
  /** Zero points in code units, [nGroups, d_out]; null when symmetric (then z = qmax for every group). */
  zero: Float32Array | null;
}

/** The largest symmetric magnitude: codes 0..2·qmax stand for −qmax..qmax (k = 2 gives {−1, 0, 1}). */
export const qmaxOf = (bits: number) => 2 ** (bits - 1) - 1;

export function groupSize(dIn: number, group: number): number {
  const g = group === 0 ? dIn : group;
  if (!(Number.isInteger(g) && g > 0 && dIn % g === 0)) throw new Error(`intk: group size ${group} does not divide d_in = ${dIn}.`);
  return g;
}

/** Round-to-nearest INT-k of W (row-major [d_in, d_out]); |w − ŵ| ≤ s/2 for every entry. */
export function quantizeIntK(w: ArrayLike<number>, dIn: number, dOut: number, spec: IntKSpec): IntK {
  if (!INT_BITS.includes(spec.bits)) throw new Error(`intk: bits must be one of ${INT_BITS.join(', ')}, got ${spec.bits}.`);
  const g = groupSize(dIn, spec.group);
  const nGroups = dIn / g;
  const top = 2 ** spec.bits - 1;
  const qmax = qmaxOf(spec.bits);
  const scale = new Float32Array(nGroups * dOut);
  const zero = spec.symmetric ? null : new Float32Array(nGroups * dOut);
  const codes = new Uint8Array(dIn * dOut);
  for (let t = 0; t < nGroups; t++) {
    for (let j = 0; j < dOut; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = t * g; i < (t + 1) * g; i++) {
        const v = w[i * dOut + j];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const k = t * dOut + j;
      // A constant group has no range: any positive scale represents it (exactly 0, or through the zero point).
      const s = Math.fround(spec.symmetric ? Math.max(-lo, hi) / qmax || 1 : (hi - lo) / top || 1);
      scale[k] = s;
      const z = zero ? (zero[k] = Math.fround(-lo / s)) : qmax; // rounded as stored, so codes match what dequantizes
      for (let i = t * g; i < (t + 1) * g; i++) {
        const q = Math.round(w[i * dOut + j] / s + z);
        codes[i * dOut + j] = Math.min(top, Math.max(0, q));
      }
    }
  }
  return { spec, dIn, dOut, group: g, codes, scale, zero };
}

/** q − z per entry: the integer grid before scaling (PEQA multiplies it by trainable scales). */
export function centeredCodes(q: Pick<IntK, 'dIn' | 'dOut' | 'group' | 'zero' | 'spec'>, codes: ArrayLike<number>): Float32Array {
  const { dIn, dOut, group: g, zero } = q;
  const qmax = qmaxOf(q.spec.bits);
  const out = new Float32Array(dIn * dOut);
  for (let i = 0; i < dIn; i++) {
    const row = ((i / g) | 0) * dOut;
    for (let j = 0; j < dOut; j++) out[i * dOut + j] = codes[i * dOut + j] - (zero ? zero[row + j] : qmax);
  }
  return out;
}

/** ŵ = s · (q − z), row-major [d_in, d_out]. */
export function dequantizeIntK(q: IntK, codes: ArrayLike<number> = q.codes): Float32Array {
  const out = centeredCodes(q, codes);
  const { dIn, dOut, group: g, scale } = q;
  for (let i = 0; i < dIn; i++) {
    const row = ((i / g) | 0) * dOut;
    for (let j = 0; j < dOut; j++) out[i * dOut + j] *= scale[row + j];
  }
  return out;
}

/** The symmetric k-bit codebook on [-1, 1] (levels c/qmax − 1 for codes c = 0..2·qmax), for block-wise absmax use. */
export function symmetricCodebook(bits: IntBits): Codebook {
  const qmax = qmaxOf(bits);
  return {
    levels: Float32Array.from({ length: 2 * qmax + 1 }, (_, c) => (c - qmax) / qmax),
    code: (x) => Math.min(2 * qmax, Math.max(0, Math.round(x * qmax) + qmax)),
  };
}
