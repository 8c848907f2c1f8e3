// `npx tsx bench/softmax-nll.ts [N] [C] [reps]`: one forward + backward of the mean cross-entropy of logits [N, C]
// (default 1024 × 32000, a LLaMA vocabulary over a 4 × 256 batch) on the default backend, the fused kernel pair
// (FtbSoftmaxNll/Grad) against the plain-ops fallback (logSoftmax × oneHot) in the same process, interleaved:
// median ms, and the peak of the tensor data the backend held above what was live before the step (counted per data
// buffer: tf.memory() and tf.profile count a buffer again for every tensor sharing it, e.g. the saved inputs' clones).
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../harness/backend/index.js';
import { SOFTMAX_NLL, softmaxNll } from '../harness/backend/ops/softmax_nll.js';
import { hasKernel } from '../harness/backend/ops/fused.js';
import { plainNll } from '../harness/train/objectives/losses.js';

const [N, C, reps] = [Number(process.argv[2] ?? 1024), Number(process.argv[3] ?? 32000), Number(process.argv[4] ?? 5)];
const info = await initBackend('auto');
console.log(`backend ${info.name} (${info.kernelPack}${info.blas ? `, ${info.blas}` : ''}), ${info.threads} threads; logits [${N}, ${C}]`);
if (!hasKernel(SOFTMAX_NLL)) throw new Error(`The ${info.name} backend has no ${SOFTMAX_NLL}: build the native kernel pack (cd harness/backend/native && node install.mjs).`);

/** Live and peak bytes of the backend's data buffers: every buffer written is counted once, until it is freed. */
const held = { live: 0, peak: 0 };
{
  type Store = {
    write(values: unknown, shape: number[], dtype: string): object;
    move(id: object, values: unknown, shape: number[], dtype: string, refCount: number): void;
    disposeData(id: object, force?: boolean): boolean;
    data: { has(id: object): boolean };
  };
  const b = tf.backend() as unknown as Store;
  const sizes = new Map<object, number>();
  const add = (id: object, values: unknown) => {
    const n = ArrayBuffer.isView(values) ? values.byteLength : 0;
    sizes.set(id, n);
    held.live += n;
    held.peak = Math.max(held.peak, held.live);
  };
  const [write, move, disposeData] = [b.write.bind(b), b.move.bind(b), b.disposeData.bind(b)];
  b.write = (values, shape, dtype) => { const id = write(values, shape, dtype); add(id, values); return id; };
  b.move = (id, values, shape, dtype, refCount) => { move(id, values, shape, dtype, refCount); add(id, values); };
  b.disposeData = (id, force) => {
    const done = disposeData(id, force);
    if (!b.data.has(id) && sizes.has(id)) { held.live -= sizes.get(id)!; sizes.delete(id); }
    return done;
  };
}

const logits = tf.randomNormal([N, C], 0, 3) as tf.Tensor2D;
const labels = tf.tensor1d(Array.from({ length: N }, (_, i) => (i * 7919) % C), 'int32');
const paths: Record<string, (x: tf.Tensor2D) => tf.Tensor1D> = {
  fused: (x) => softmaxNll(x, labels)!,
  plain: (x) => plainNll(x, labels),
};

function step(name: string): { ms: number; peak: number; loss: number } {
  held.peak = held.live;
  const before = held.live;
  const t0 = performance.now();
  const loss = tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tf.mean(paths[name](x as tf.Tensor2D)) as tf.Scalar)(logits);
    // The default backend runs kernels synchronously: grad is computed (reading it would time a 131 MB copy).
    return value.dataSync()[0];
  });
  return { ms: performance.now() - t0, peak: held.peak - before, loss };
}

if (held.live === 0) throw new Error('The backend\'s writes were not seen: the byte count below would be wrong.');
const runs: Record<string, { ms: number[]; peak: number; loss: number }> = { fused: { ms: [], peak: 0, loss: 0 }, plain: { ms: [], peak: 0, loss: 0 } };
for (let i = 0; i <= reps; i++) {
  for (const name of ['fused', 'plain']) {
    const r = step(name);
    if (i === 0) continue; // warm-up: first allocations, JIT
    runs[name].ms.push(r.ms);
    runs[name].peak = Math.max(runs[name].peak, r.peak);
    runs[name].loss = r.loss;
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const MB = 2 ** 20;
for (const name of ['fused', 'plain']) {
  const r = runs[name];
  console.log(`${name.padEnd(6)} ${median(r.ms).toFixed(1).padStart(8)} ms (median of ${reps})  peak ${(r.peak / MB).toFixed(0).padStart(5)} MiB above the inputs  loss ${r.loss.toFixed(6)}`);
}
console.log(`plain / fused: ${(median(runs.plain.ms) / median(runs.fused.ms)).toFixed(1)}× time, ${(runs.plain.peak / runs.fused.peak).toFixed(1)}× peak bytes`);
tf.dispose([logits, labels]);
