// `npm run bench:gpu-memory`: GPU memory over many WebGPU training steps (default 1,000) of a small encoder, full FT
// and LoRA: buffer creations and bytes held by tfjs's pool, tensors and their bytes, and the process's RSS, sampled
// every --every steps. Flat after the first steps means every buffer a step needs comes from the pool (no per-step
// growth). A bench, not a test: it runs minutes on lavapipe. `--steps N --every K --json`; `--no-yield` runs the steps
// without yielding to the event loop (host memory then grows: see below); `--gc` (with node --expose-gc) collects
// before each sample. Figures in docs/gpu.md.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../harness/backend/index.js';
import { gpuCounts } from '../harness/backend/webgpu/counters.js';
import { Model } from '../harness/model/model.js';
import { AdamW } from '../harness/train/adamw.js';
import { globalNormClip } from '../harness/train/trainer.js';
import { crossEntropy } from '../harness/train/objectives/index.js';
import { fullFt } from '../techniques/training-method/full-ft.js';
import { lora } from '../techniques/adapter/lora.js';
import type { ApplyContext } from '../harness/plugin.js';

interface Sample { step: number; allocs: number; poolBytes: number; usedBytes: number; tensors: number; tensorBytes: number; reads: number; rssMB: number; heapMB: number; ms: number }

const args = process.argv.slice(2);
const num = (name: string, dflt: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : dflt; };
const STEPS = num('steps', 1000), EVERY = num('every', 100);
// Small enough that 1,000 steps take minutes on lavapipe; every kernel of the reference step still runs.
const SHAPE = { vocab: 128, dModel: 32, nLayers: 2, nHeads: 2, dFF: 64, seq: 16, batch: 4 };

const info = await initBackend('webgpu');
const pool = (tf.backend() as unknown as { bufferManager: { numBytesAllocated: number; numBytesUsed: number } }).bufferManager;
const out: Record<string, Sample[]> = {};
for (const kind of ['full_ft', 'lora'] as const) {
  const model = new Model({ family: 'encoder', vocabSize: SHAPE.vocab, dModel: SHAPE.dModel, nLayers: SHAPE.nLayers, nHeads: SHAPE.nHeads, dFF: SHAPE.dFF, maxLen: SHAPE.seq, normEps: 1e-5, ropeTheta: 10000, ropeScale: 1 }, 0);
  model.addHead(2);
  const ctx = { seed: 0, totalSteps: STEPS, sampleBatches: () => [], loss: () => { throw new Error('unused'); } } as unknown as ApplyContext;
  const applied = kind === 'lora' ? lora.apply(model, { ...lora.defaults, r: 4, alpha: 4 }, ctx) : fullFt.apply(model, {}, ctx);
  const groups = applied.paramGroups();
  const vars = groups.flatMap((g) => g.vars);
  const opt = new AdamW({ lr: 1e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, groups);
  const n = SHAPE.batch * SHAPE.seq;
  const mask = tf.ones([SHAPE.batch, SHAPE.seq]) as tf.Tensor2D;
  model.training = true;
  const samples: Sample[] = [];
  let t = performance.now();
  for (let s = 1; s <= STEPS; s++) {
    // A new batch each step (uploads, as the trainer's are), so reuse is tested with fresh inputs.
    const ids = tf.tensor2d(Int32Array.from({ length: n }, (_, i) => (i * 7919 + s * 31) % SHAPE.vocab), [SHAPE.batch, SHAPE.seq], 'int32');
    const labels = tf.tensor1d(Int32Array.from({ length: SHAPE.batch }, (_, i) => (i + s) % 2), 'int32');
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.classify(ids, mask), labels), vars);
    const g = new Map<tf.Variable, tf.Tensor>(vars.filter((v) => grads[v.name]).map((v) => [v, grads[v.name]]));
    const clipped = globalNormClip(g, 1.0);
    opt.step(clipped, 1e-3);
    value.dataSync(); // the trainer's one read per step
    tf.dispose([value, ids, labels, ...Object.values(grads), ...(clipped !== g ? clipped.values() : [])]);
    // The trainer yields to the event loop once a step; Dawn's objects (bind groups, command buffers) are released by
    // finalizers that only run then: a loop that never yields holds every step's (RSS grew 1-2 MB a step).
    if (!args.includes('--no-yield')) await new Promise((r) => setImmediate(r));
    if (s === 1 || s % EVERY === 0) {
      if (args.includes('--gc')) (globalThis as unknown as { gc: () => void }).gc(); // node --expose-gc
      const c = gpuCounts(), m = tf.memory();
      samples.push({ step: s, allocs: c.allocs, poolBytes: pool.numBytesAllocated, usedBytes: pool.numBytesUsed, tensors: m.numTensors, tensorBytes: m.numBytes, reads: c.reads, rssMB: Math.round(process.memoryUsage().rss / 2 ** 20), heapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20), ms: (performance.now() - t) / (s === 1 ? 1 : EVERY) });
      t = performance.now();
      if (!args.includes('--json')) {
        const x = samples.at(-1)!;
        process.stderr.write(`${kind} step ${x.step}: ${x.allocs} buffers created in all, pool ${x.poolBytes} B (${x.usedBytes} in use), ${x.tensors} tensors / ${x.tensorBytes} B, RSS ${x.rssMB} MB (JS heap ${x.heapMB}), ${x.ms.toFixed(1)} ms/step\n`);
      }
    }
  }
  opt.dispose();
  applied.dispose();
  model.dispose();
  mask.dispose();
  out[kind] = samples;
}
// Flat: after the first sample past warm-up (step EVERY), nothing grows.
const verdict = Object.fromEntries(Object.entries(out).map(([k, xs]) => {
  const settled = xs.filter((x) => x.step >= EVERY);
  const grew = (f: (x: Sample) => number) => f(settled.at(-1)!) - f(settled[0]);
  // Host memory is reported, not judged: it follows V8's collections (a sawtooth), not the steps.
  const rss = settled.map((x) => x.rssMB);
  return [k, {
    allocs_after_warmup: grew((x) => x.allocs), pool_bytes_growth: grew((x) => x.poolBytes), tensor_growth: grew((x) => x.tensors),
    flat: grew((x) => x.allocs) === 0 && grew((x) => x.poolBytes) === 0 && grew((x) => x.tensors) === 0,
    rss_mb_after_warmup: { min: Math.min(...rss), max: Math.max(...rss), last: rss.at(-1) },
  }];
}));
const summary = { adapter: info.blas, shape: SHAPE, steps: STEPS, every: EVERY, verdict, samples: out };
if (args.includes('--json')) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
else process.stderr.write(`${JSON.stringify(verdict)}\n`);
