// 4-bit codebook weights (NF4 and any 16-level book), block-wise absmax, two codes per byte (low nibble first): packing
// at load and unpacking per matmul on the kernel pack when it is built, else the same arithmetic in JS.
import * as tf from '@tensorflow/tfjs';
import { loadNative, type NativeAddon } from './native/index.js';
import { NativeBackend } from './native_backend.js';

/** A weight packed by quant4: codes two per byte, one scale per block of `block` (even) consecutive values. */
export interface Packed4 {
  packed: Uint8Array;
  absmax: Float32Array;
}

type Addon = NativeAddon | null;
const packAddon = (): Addon => loadNative().addon;

function checkBlock(block: number): void {
  if (!(Number.isInteger(block) && block > 0 && block % 2 === 0)) throw new Error(`codebook4: block must be a positive even integer, got ${block}.`);
}

/**
 * Packs n values: each block's absmax, then each value's code = the number of the 15 `midpoints` (the decision
 * boundaries between adjacent levels) strictly below value / absmax, i.e. the nearest level. The division and the
 * comparisons are done in double precision on both paths, so the kernel pack and JS give the same codes.
 */
export function quant4(w: Float32Array, midpoints: Float32Array, block: number, addon: Addon = packAddon()): Packed4 {
  checkBlock(block);
  const n = w.length;
  const packed = new Uint8Array(Math.ceil(n / 2));
  const absmax = new Float32Array(Math.ceil(n / block));
  if (addon) {
    addon.quant4(w, midpoints, packed, absmax, n, block);
    return { packed, absmax };
  }
  const mid = Array.from(midpoints);
  for (let b = 0; b < absmax.length; b++) {
    const start = b * block;
    const end = Math.min(start + block, n);
    let m = 0;
    for (let i = start; i < end; i++) m = Math.max(m, Math.abs(w[i]));
    absmax[b] = m;
    for (let i = start; i < end; i++) {
      const x = m > 0 ? w[i] / absmax[b] : 0;
      let c = 0;
      for (let k = 0; k < 15; k++) if (x > mid[k]) c++;
      packed[i >> 1] |= i & 1 ? c << 4 : c;
    }
  }
  return { packed, absmax };
}

/** For each byte value: the levels of its low and high nibble, interleaved. */
function pairTable(levels: Float32Array): Float32Array {
  const t = new Float32Array(512);
  for (let b = 0; b < 256; b++) {
    t[2 * b] = levels[b & 15];
    t[2 * b + 1] = levels[b >> 4];
  }
  return t;
}

/** out[i] = levels[code_i] · scales[i / block] for the n values packed by quant4 (scales may be double-quantized). */
export function dequant4(p: { packed: Uint8Array; scales: Float32Array }, levels: Float32Array, n: number, block: number,
  out: Float32Array<ArrayBufferLike> = new Float32Array(n), addon: Addon = packAddon()): Float32Array<ArrayBufferLike> {
  checkBlock(block);
  if (addon) {
    addon.dequant4(p.packed, p.scales, levels, out, n, block);
    return out;
  }
  const pairs = pairTable(levels);
  for (let b = 0; b < p.scales.length; b++) {
    const s = p.scales[b];
    const end = Math.min((b + 1) * block, n);
    for (let i = b * block; i < end; i += 2) {
      const k = 2 * p.packed[i >> 1];
      out[i] = pairs[k] * s;
      if (i + 1 < end) out[i + 1] = pairs[k + 1] * s;
    }
  }
  return out;
}

/**
 * dequant4 as a new float32 tensor of `shape`. On the native backend the values are written straight into a buffer
 * the backend owns, so it is freed the moment the tensor is disposed (a per-matmul weight would otherwise wait for GC).
 */
export function dequant4Tensor(p: { packed: Uint8Array; scales: Float32Array }, levels: Float32Array, shape: number[], block: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const backend = tf.backend();
  const addon = packAddon();
  if (backend instanceof NativeBackend && addon) {
    const info = backend.allocate(shape, 'float32');
    dequant4(p, levels, n, block, backend.valuesOf(info) as Float32Array, addon);
    return tf.engine().makeTensorFromTensorInfo(info);
  }
  return tf.tensor(dequant4(p, levels, n, block), shape, 'float32');
}
