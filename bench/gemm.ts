// GEMM throughput of the current tfjs backend: GFLOP/s of tf.matMul on square float32 matrices.
import * as tf from '@tensorflow/tfjs';

export function gemmGflops(n: number, minMs = 300): number {
  const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
  const once = () => tf.tidy(() => { tf.matMul(a, b); });
  once(); // warm-up: heap growth, BLAS thread start
  let iters = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs || iters < 3) { once(); iters++; }
  const ms = (performance.now() - t0) / iters;
  a.dispose(); b.dispose();
  return (2 * n ** 3) / (ms * 1e6);
}
