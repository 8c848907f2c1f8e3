// 4-bit codebook weights (NF4 and any 16-level book), block-wise absmax, two codes per byte (low nibble first): packing
// at load and unpacking per matmul on the kernel pack when it is built, else the general codebook path (harness/quant/).
import * as tf from '@tensorflow/tfjs';
import { loadNative, type NativeAddon } from './native/index.js';
import { NativeBackend } from './native_backend.js';
import { codeByMidpoints, dequantizeBlockwise, quantizeBlockwise } from '../quant/blockwise.js';
import { pack, unpack } from '../quant/pack.js';

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
 * Packs n values: each block's absmax, then each value's code = the number of the 15 ascending `midpoints` (the
 * decision boundaries between adjacent levels) strictly below value / absmax, i.e. the nearest level. The division
 * and the comparisons are done in double precision on both paths, so the kernel pack and the general codebook path
 * (harness/quant/, the JS fallback here) give the same codes.
 */
export function quant4(w: Float32Array, midpoints: Float32Array, block: number, addon: Addon = packAddon()): Packed4 {
  checkBlock(block);
  if (midpoints.length !== 15) throw new Error(`codebook4: a 16-level book has 15 midpoints, got ${midpoints.length}.`);
  const code = codeByMidpoints(midpoints); // checks that they ascend, which the kernel's count assumes
  const n = w.length;
  if (!addon) {
    const q = quantizeBlockwise(w, block, { code });
    return { packed: pack(q.codes, 4), absmax: q.absmax };
  }
  const packed = new Uint8Array(Math.ceil(n / 2));
  const absmax = new Float32Array(Math.ceil(n / block));
  addon.quant4(w, midpoints, packed, absmax, n, block);
  return { packed, absmax };
}

/** out[i] = levels[code_i] · scales[i / block] for the n values packed by quant4 (scales may be double-quantized). */
export function dequant4(p: { packed: Uint8Array; scales: Float32Array }, levels: Float32Array, n: number, block: number,
  out: Float32Array<ArrayBufferLike> = new Float32Array(n), addon: Addon = packAddon()): Float32Array<ArrayBufferLike> {
  checkBlock(block);
  if (!addon) return dequantizeBlockwise(unpack(p.packed, 4, n), p.scales, block, levels, out);
  addon.dequant4(p.packed, p.scales, levels, out, n, block);
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
