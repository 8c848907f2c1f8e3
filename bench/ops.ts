// `npx tsx bench/ops.ts`: median time of single ops at the reference step's shapes on the default backend — the GEMMs
// of its linear layers, attention and LoRA, and the fused elementwise ops — to see what a kernel change did without
// the rest of a step around it. Inputs stay in cache between calls, so in a step the same op takes longer.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../harness/backend/index.js';
import { gelu, layerNorm, softmax } from '../harness/backend/ops/index.js';

const info = await initBackend('auto');
console.log(`backend ${info.name} (${info.kernelPack}${info.blas ? `, ${info.blas}` : ''}), ${info.threads} threads`);

const iters = 100;
function time(name: string, f: () => tf.Tensor, flops = 0): void {
  const ts: number[] = [];
  for (let i = 0; i < iters + 10; i++) {
    const t0 = performance.now();
    const r = f(); // the default backend runs kernels synchronously (reading results back would time a copy and its GC)
    if (i >= 10) ts.push(performance.now() - t0);
    r.dispose();
  }
  ts.sort((a, b) => a - b);
  const ms = ts[ts.length >> 1];
  console.log(`${name.padEnd(34)} ${(ms * 1000).toFixed(0).padStart(6)} µs${flops ? `  ${(flops / ms / 1e6).toFixed(1)} GFLOP/s` : ''}`);
}

// [a, b, transposeA, transposeB]: the step's products (B·T = 1024 rows, d 128, FFN 512, 4 heads of 32, LoRA rank 8).
const gemms: [number[], number[], boolean, boolean][] = [
  [[1024, 128], [128, 128], false, false],
  [[1024, 128], [128, 128], false, true],
  [[1024, 128], [128, 512], false, false],
  [[1024, 512], [512, 128], false, false],
  [[64, 64, 32], [64, 32, 64], false, false],
  [[64, 64, 64], [64, 64, 32], false, false],
  [[1024, 128], [128, 8], false, false],
  [[1024, 8], [8, 128], false, false],
  [[1024, 128], [1024, 8], true, false],
  [[1024, 1024], [1024, 1024], false, false],
];
for (const [as, bs, ta, tb] of gemms) {
  const a = tf.randomNormal(as), b = tf.randomNormal(bs);
  const batch = as.length === 3 ? as[0] : 1;
  const m = ta ? as.at(-1)! : as.at(-2)!, k = ta ? as.at(-2)! : as.at(-1)!, n = tb ? bs.at(-2)! : bs.at(-1)!;
  time(`matMul ${as}${ta ? 'ᵀ' : ''} × ${bs}${tb ? 'ᵀ' : ''}`, () => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, ta, tb), 2 * batch * m * n * k);
  tf.dispose([a, b]);
}

const x = tf.randomNormal([16, 64, 128]), w = tf.randomNormal([16, 64, 128]);
const g = tf.ones([128]), bias = tf.zeros([128]);
const scores = tf.randomNormal([16, 4, 64, 64]);
const ffn = tf.randomNormal([16, 64, 512]);
time('layerNorm [16,64,128]', () => layerNorm(x, g, bias, 1e-5));
time('add [16,64,128]', () => tf.add(x, w));
time('mul [16,64,128]', () => tf.mul(x, w));
time('softmax [16,4,64,64]', () => softmax(scores));
time('gelu [16,64,512]', () => gelu(ffn));
time('transpose [16,64,4,32] → heads', () => tf.transpose(tf.reshape(x, [16, 64, 4, 32]), [0, 2, 1, 3]));
