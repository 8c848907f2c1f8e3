// Loads the compiled kernel pack (native/build/Release/ftbench_native.node); null when it is absent or FTBENCH_NO_NATIVE=1.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface NativeAddon {
  /** c[i] = op(a[aIdx[i]]) · op(b[bIdx[i]]) (+ bias, activation); offsets are byte offsets into `heap`, -1 = none. */
  bmm(heap: Uint8Array, aOff: number, bOff: number, cOff: number, batch: number, m: number, n: number, k: number,
      ta: number, tb: number, aIdx: Int32Array, bIdx: Int32Array, biasOff: number, biasLen: number, act: number,
      alpha: number): void;
  /** y = op(x) elementwise over n floats; op codes in kernels/unary.ts. */
  unary(heap: Uint8Array, op: number, xOff: number, yOff: number, n: number, p: number): void;
  /** x as [outer, inner]: overOuter ? y[inner] : y[outer]. */
  sum(heap: Uint8Array, xOff: number, yOff: number, outer: number, inner: number, overOuter: number): void;
  /** c = a op b; aRep/bRep: 0 full [rows, n], 1 one row broadcast, 2 scalar. */
  binary(heap: Uint8Array, op: number, aOff: number, bOff: number, cOff: number, rows: number, n: number, aRep: number, bRep: number): void;
  layerNorm(heap: Uint8Array, x: number, g: number, b: number, y: number, mean: number, rstd: number, rows: number, d: number, eps: number): void;
  layerNormGrad(heap: Uint8Array, dy: number, x: number, g: number, mean: number, rstd: number, dx: number, dg: number, db: number, rows: number, d: number): void;
  gelu(heap: Uint8Array, x: number, y: number, n: number): void;
  geluGrad(heap: Uint8Array, dy: number, x: number, dx: number, n: number): void;
  adamw(heap: Uint8Array, p: number, g: number, m: number, v: number, p2: number, m2: number, v2: number, n: number,
        lr: number, b1: number, b2: number, eps: number, c1: number, c2: number, decay: number): void;
  /** x [a, b, c, d] -> y [a, c, b, d]. */
  swapAxes(heap: Uint8Array, x: number, y: number, a: number, b: number, c: number, d: number): void;
  softmax(heap: Uint8Array, x: number, y: number, rows: number, n: number): void;
  softmaxGrad(heap: Uint8Array, dy: number, y: number, dx: number, rows: number, n: number): void;
  setThreads(n: number): void;
  getThreads(): number;
  blasName(): string;
}

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
