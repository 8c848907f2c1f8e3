// Loads the compiled kernel pack (native/build/Release/ftbench_native.node); null when it is absent or FTBENCH_NO_NATIVE=1.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The addon's entry points. `heap` is the wasm heap with every tensor argument (T) a byte offset into it (-1 = none),
 * or null with every tensor argument the tensor's own typed array (null = none): see kernels/memory.ts.
 */
export interface NativeAddon {
  /** c[i] = op(a[aIdx[i]]) · op(b[bIdx[i]]) (+ bias, activation). */
  bmm(heap: Heap, a: T, b: T, c: T, batch: number, m: number, n: number, k: number,
      ta: number, tb: number, aIdx: Int32Array, bIdx: Int32Array, bias: T | null, biasLen: number, act: number,
      alpha: number): void;
  /** y = op(x) elementwise over n floats; op codes in kernels/unary.ts. */
  unary(heap: Heap, op: number, x: T, y: T, n: number, p: number): void;
  /** x as [outer, inner]: overOuter ? y[inner] : y[outer]. */
  sum(heap: Heap, x: T, y: T, outer: number, inner: number, overOuter: number): void;
  /** c = a op b; aRep/bRep: 0 full [rows, n], 1 one row broadcast, 2 scalar. */
  binary(heap: Heap, op: number, a: T, b: T, c: T, rows: number, n: number, aRep: number, bRep: number): void;
  /** Any numpy broadcast: c = a op b; offsets in elements; dims = [out shape, a strides, b strides] (0 = broadcast). */
  binaryNd(heap: Heap, op: number, a: T, aOff: number, b: T, bOff: number, c: T, rank: number, dims: Float64Array): void;
  /** y = x for 4-byte elements between two strided layouts: dims = [shape, x strides, y strides]; offsets in elements. */
  copyNd(heap: Heap, x: T, xOff: number, y: T, yOff: number, rank: number, dims: Float64Array): void;
  /** n 4-byte elements set to value (an int32 when isInt). */
  fill(heap: Heap, y: T, n: number, value: number, isInt: number): void;
  layerNorm(heap: Heap, x: T, g: T, b: T, y: T, mean: T, rstd: T, rows: number, d: number, eps: number): void;
  layerNormGrad(heap: Heap, dy: T, x: T, g: T, mean: T, rstd: T, dx: T | null, dg: T | null, db: T | null, rows: number, d: number): void;
  gelu(heap: Heap, x: T, y: T, n: number): void;
  geluGrad(heap: Heap, dy: T, x: T, dx: T, n: number): void;
  adamw(heap: Heap, p: T, g: T, m: T, v: T, p2: T, m2: T, v2: T, n: number,
        lr: number, b1: number, b2: number, eps: number, c1: number, c2: number, decay: number): void;
  /** x [a, b, c, d] -> y [a, c, b, d]. */
  swapAxes(heap: Heap, x: T, y: T, a: number, b: number, c: number, d: number): void;
  softmax(heap: Heap, x: T, y: T, rows: number, n: number): void;
  softmaxGrad(heap: Heap, dy: T, y: T, dx: T, rows: number, n: number): void;
  /** Per row of logits [rows, c] with int32 labels: lse = log Σ exp, nll = lse − logits[label] (0 for a label outside [0, c)). */
  softmaxNll(heap: Heap, logits: T, labels: T, nll: T, lse: T, rows: number, c: number): void;
  /** dx = dy[row] · (exp(logits − lse[row]) − one-hot(label)); a zero row where the label is outside [0, c). */
  softmaxNllGrad(heap: Heap, dy: T, logits: T, labels: T, lse: T, dx: T, rows: number, c: number): void;
  /** 4-bit codebook (src/quant.c), typed arrays of their own, `block` even: out[i] = levels[code_i] · scales[i / block]. */
  dequant4(packed: Uint8Array, scales: Float32Array, levels: Float32Array, out: Float32Array, n: number, block: number): void;
  /** Fills absmax (one per block) and packed (two codes per byte): code_i = #{k : w_i / absmax > midpoints[k]}. */
  quant4(w: Float32Array, midpoints: Float32Array, packed: Uint8Array, absmax: Float32Array, n: number, block: number): void;
  /** Frees the memory under a typed array now (detaches its ArrayBuffer). */
  release(array: ArrayBufferLike | ArrayBufferView): void;
  setThreads(n: number): void;
  getThreads(): number;
  blasName(): string;
}

type Heap = Uint8Array | null;
type T = number | Float32Array | Int32Array | Uint8Array;

export const ADDON_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'build', 'Release', 'ftbench_native.node');

export const INSTALL_HINT =
  'install a CBLAS (Debian/Ubuntu: `apt-get install libopenblas-dev`), then run `npm rebuild` or `npm ci`';

let cached: { addon: NativeAddon | null; reason: string | null } | null = null;

export function loadNative(): { addon: NativeAddon | null; reason: string | null } {
  if (cached) return cached;
  if (process.env.FTBENCH_NO_NATIVE === '1') return (cached = { addon: null, reason: 'FTBENCH_NO_NATIVE=1' });
  if (!existsSync(ADDON_PATH)) return (cached = { addon: null, reason: 'the native kernel pack was not built' });
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
    return (cached = { addon, reason: null });
  } catch (e) {
    return (cached = { addon: null, reason: `the native kernel pack failed to load (${(e as Error).message.split('\n')[0]})` });
  }
}
