// Double quantization (QLoRA §3): the fp32 absmax scales themselves quantized to 8 bits in blocks of 256, around an fp32 mean.
import { dequantizeBlockwise, quantizeBlockwise } from '../../../harness/quant/blockwise.js';
import { symmetricCodebook } from './intk.js';

/** QLoRA's second-level block: 256 first-level scales share one fp32 constant (32/(64·256) bits per weight). */
export const DQ_BLOCK = 256;

export interface DoubleQuantized {
  codes: Uint8Array; // one 8-bit code per first-level scale
  absmax: Float32Array; // one fp32 constant per block of DQ_BLOCK codes
  /** The scales are all positive, so they are centred on their mean first (bitsandbytes' offset) to use both signs of the code. */
  offset: number;
  blockSize: number;
}

/**
 * QLoRA quantizes the scales to FP8; bitsandbytes uses its dynamic 8-bit map. We use linear symmetric int8 absmax per
 * block, which costs the same 8 bits and has a simple error bound: |ĉ − c| ≤ absmax₂ / 254.
 */
const INT8 = symmetricCodebook(8);

export function doubleQuantize(scales: ArrayLike<number>, blockSize = DQ_BLOCK): DoubleQuantized {
  let mean = 0;
  for (let i = 0; i < scales.length; i++) mean += scales[i];
  const offset = Math.fround(scales.length ? mean / scales.length : 0);
  const centred = Float32Array.from(scales, (c) => c - offset);
  const q = quantizeBlockwise(centred, blockSize, INT8);
  return { codes: q.codes, absmax: q.absmax, offset, blockSize };
}

export function dequantizeScales(dq: DoubleQuantized): Float32Array {
  const out = dequantizeBlockwise(dq.codes, dq.absmax, dq.blockSize, INT8.levels);
  for (let i = 0; i < out.length; i++) out[i] += dq.offset;
  return out;
}

/** Stored bytes: the 8-bit codes, one fp32 per block, and the fp32 offset. */
export function doubleQuantBytes(dq: DoubleQuantized): number {
  return dq.codes.length + 4 * dq.absmax.length + 4;
}
