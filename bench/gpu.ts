// `npm run bench:gpu`: training-step speed on the WebGPU backend against the CPU default (native + kernel pack), for
// the reference step (issue 3: encoder d 128, 2 layers, batch 16 × 64, full FT and LoRA r=8 on q,v), a BERT-base-sized
// encoder (d 768, 12 layers, 8 × 512; fp32 and mixed precision) and a 1.1B LLaMA-shaped decoder (LoRA); and the
// model's matmuls alone, ftbench's tiled kernel against tfjs's in one process (kind `matmul`). Each subject runs in
// its own process under a time cap, so the whole bench ends within --budget seconds (default 270). Prints ms/step,
// tokens/s, the GPU/CPU ratio, per-step dispatches/reads/allocations and, where the adapter has timestamp queries,
// GPU time per kernel; `--json` prints one object instead; `--only reference` (words, comma separated) keeps the
// subjects whose "backend shape kind precision" has them all; `--precision mixed` runs every webgpu step mixed;
// --warmup/--iters/--cap change the step counts and time caps (a software adapter needs fewer steps and longer
// caps). See docs/gpu.md.
import { spawn } from 'node:child_process';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendInfo } from '../harness/backend/index.js';
import { Model } from '../harness/model/model.js';
import type { ModelConfig } from '../harness/model/config.js';
import { AdamW } from '../harness/train/adamw.js';
import { globalNormClip } from '../harness/train/trainer.js';
import { crossEntropy } from '../harness/train/objectives/index.js';
import { fullFt } from '../techniques/training-method/full-ft.js';
import { lora } from '../techniques/adapter/lora.js';
import type { ApplyContext } from '../harness/plugin.js';
import { gpuCounts } from '../harness/backend/webgpu/counters.js';
import { useMatmul } from '../harness/backend/webgpu/matmul.js';
import { linear } from '../harness/backend/ops/index.js';
import { setPrecision, type Precision } from '../harness/backend/precision.js';

interface Shape { family: 'encoder' | 'decoder'; vocab: number; dModel: number; nLayers: number; nHeads: number; dFF: number; seq: number; batch: number }
const SHAPES: Record<'reference' | 'large' | 'llama1b', Shape> = {
  reference: { family: 'encoder', vocab: 512, dModel: 128, nLayers: 2, nHeads: 4, dFF: 512, seq: 64, batch: 16 },
  large: { family: 'encoder', vocab: 8192, dModel: 768, nLayers: 12, nHeads: 12, dFF: 3072, seq: 512, batch: 8 },
  // LLaMA-3.2-1B's block shape (d 2048, 16 layers, SwiGLU 8192; 32 heads of 64) with a 32k vocabulary: 1.1B parameters.
  llama1b: { family: 'decoder', vocab: 32000, dModel: 2048, nLayers: 16, nHeads: 32, dFF: 8192, seq: 512, batch: 4 },
};

/**
 * Model FLOPs of one step (the matrix products, as MFU counts them): forward 2 per weight per token plus attention's
 * two T×T products; backward twice that for full FT (input and weight gradients), once for LoRA (input gradients
 * through the frozen weights; the adapters' own products are negligible at r=8).
 */
function stepFlops(s: Shape, kind: Kind): number {
  const ffnMats = s.family === 'decoder' ? 3 : 2;
  const perTokenFwd = s.nLayers * (2 * (4 * s.dModel * s.dModel + ffnMats * s.dModel * s.dFF) + 2 * 2 * s.seq * s.dModel);
  return s.batch * s.seq * perTokenFwd * (kind === 'full_ft' ? 3 : 2);
}
type Kind = 'full_ft' | 'lora' | 'matmul';
type Backend = 'webgpu' | 'native'; // the CPU side is the CPU default: native + kernel pack

interface Job { backend: Backend; shape: keyof typeof SHAPES; kind: Kind; warmup: number; iters: number; capS: number; precision?: Precision }
/** One matmul shape timed on tfjs's kernel and on ftbench's (fp32 and mixed), in one process (kind 'matmul'). */
interface MatmulRow { what: string; gflop: number; tfjs_ms: number; ftb_ms: number; ftb_mixed_ms: number | null; tfjs_over_ftb: number; tfjs_over_ftb_mixed: number | null }
interface Result {
  backend: Backend; shape: string; kind: Kind;
  status: 'ok' | 'skipped' | 'failed'; note?: string;
  msPerStep?: number; tokensPerS?: number; steps?: number; firstStepMs?: number; firstLoss?: number; info?: BackendInfo;
  /** Per timed step, on webgpu (see harness/backend/webgpu/counters.ts); null on the CPU backends. */
  dispatchesPerStep?: number | null; readsPerStep?: number | null; allocsPerStep?: number | null; tflops?: number;
  precision?: Precision;
  /** GPU time per kernel of one step (ms, the 15 largest), from timestamp queries; null when the adapter has none. */
  kernelMs?: Record<string, number> | null;
  matmul?: MatmulRow[];
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/** The reference step of bench/step.ts at any shape: forward + backward + clip + AdamW, loss read back each step. */
function makeStep(shape: Shape, kind: Kind) {
  const config: ModelConfig = {
    family: shape.family, vocabSize: shape.vocab, dModel: shape.dModel, nLayers: shape.nLayers, nHeads: shape.nHeads, dFF: shape.dFF,
    maxLen: shape.seq, normEps: 1e-5, ropeTheta: 10000, ropeScale: 1,
  };
  const model = new Model(config, 0);
  model.addHead(2);
  const ctx = { seed: 0, totalSteps: 1000, sampleBatches: () => [], loss: () => { throw new Error('unused'); } } as unknown as ApplyContext;
  const applied = kind === 'lora' ? lora.apply(model, { ...lora.defaults, r: 8, alpha: 8 }, ctx) : fullFt.apply(model, {}, ctx);
  const groups = applied.paramGroups();
  const vars = groups.flatMap((g) => g.vars);
  const opt = new AdamW({ lr: 1e-4, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, groups);
  const n = shape.batch * shape.seq;
  const ids = tf.tensor2d(Int32Array.from({ length: n }, (_, i) => (i * 7919) % shape.vocab), [shape.batch, shape.seq], 'int32');
  const mask = tf.ones([shape.batch, shape.seq]) as tf.Tensor2D;
  const labels = tf.tensor1d(Int32Array.from({ length: shape.batch }, (_, i) => i % 2), 'int32');
  model.training = true;
  return () => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.classify(ids, mask), labels), vars);
    const g = new Map<tf.Variable, tf.Tensor>(vars.filter((v) => grads[v.name]).map((v) => [v, grads[v.name]]));
    const clipped = globalNormClip(g, 1.0);
    opt.step(clipped, 1e-4);
    const loss = value.dataSync()[0]; // waits for the device: the step's wall time is the real one
    tf.dispose([value, ...Object.values(grads), ...(clipped !== g ? clipped.values() : [])]);
    return loss;
  };
}

/**
 * The model's matrix products at `shape` (projections with their bias, FFN up and down, the input and weight
 * gradients, attention's two batched products), each timed on tfjs's kernel and on ftbench's tiled one (fp32, and
 * mixed where the device has shader-f16) in this process: the same inputs, a read after each batch of runs.
 */
function matmulBench(shape: Shape, deadline: number, features: string[]): MatmulRow[] {
  const n = shape.batch * shape.seq, d = shape.dModel, f = shape.dFF, hd = d / shape.nHeads, bh = shape.batch * shape.nHeads;
  const r = (s: number[]) => tf.randomNormal(s, 0, 1, 'float32', 7);
  const cases: [string, number[][], (x: tf.Tensor[]) => tf.Tensor][] = [
    [`x·Wq+b [${n}×${d}]·[${d}×${d}]`, [[n, d], [d, d], [d]], ([x, w, b]) => linear(x, w as tf.Tensor2D, b)],
    [`ffn up [${n}×${d}]·[${d}×${f}]`, [[n, d], [d, f], [f]], ([x, w, b]) => linear(x, w as tf.Tensor2D, b)],
    [`ffn down [${n}×${f}]·[${f}×${d}]`, [[n, f], [f, d], [d]], ([x, w, b]) => linear(x, w as tf.Tensor2D, b)],
    [`dx = dy·Wᵀ [${n}×${f}]·[${d}×${f}]ᵀ`, [[n, f], [d, f]], ([a, b]) => tf.matMul(a, b, false, true)],
    [`dW = xᵀ·dy [${n}×${d}]ᵀ·[${n}×${f}]`, [[n, d], [n, f]], ([a, b]) => tf.matMul(a, b, true, false)],
    [`scores q·kᵀ [${bh}×${shape.seq}×${hd}]`, [[bh, shape.seq, hd], [bh, shape.seq, hd]], ([a, b]) => tf.matMul(a, b, false, true)],
    [`p·v [${bh}×${shape.seq}×${shape.seq}]`, [[bh, shape.seq, shape.seq], [bh, shape.seq, hd]], ([a, b]) => tf.matMul(a, b)],
  ];
  const time = (impl: 'tfjs' | 'ftb', p: Precision, ins: tf.Tensor[], fn: (x: tf.Tensor[]) => tf.Tensor): number => {
    const wasM = useMatmul(impl), wasP = setPrecision(p);
    try {
      for (let i = 0; i < 2; i++) tf.tidy(() => fn(ins).dataSync()); // compile, fill the pool
      const reps: number[] = [];
      for (let k = 0; k < 5 && performance.now() < deadline; k++) {
        const s = performance.now();
        tf.tidy(() => {
          let y: tf.Tensor | null = null;
          for (let i = 0; i < 4; i++) y = fn(ins);
          y!.dataSync();
        });
        reps.push((performance.now() - s) / 4);
      }
      return median(reps.length ? reps : [NaN]);
    } finally {
      setPrecision(wasP);
      useMatmul(wasM);
    }
  };
  const rows: MatmulRow[] = [];
  for (const [what, shapes, fn] of cases) {
    if (performance.now() > deadline) break;
    const ins = shapes.map(r);
    const out = tf.tidy(() => fn(ins).shape);
    const inner = what.startsWith('dW') ? n : shapes[0][shapes[0].length - 1];
    const gflop = (2 * tf.util.sizeFromShape(out) * inner) / 1e9;
    const tfjsMs = time('tfjs', 'fp32', ins, fn), ftbMs = time('ftb', 'fp32', ins, fn);
    const mixedMs = features.includes('shader-f16') ? time('ftb', 'mixed', ins, fn) : null;
    rows.push({ what, gflop, tfjs_ms: tfjsMs, ftb_ms: ftbMs, ftb_mixed_ms: mixedMs, tfjs_over_ftb: tfjsMs / ftbMs, tfjs_over_ftb_mixed: mixedMs == null ? null : tfjsMs / mixedMs });
    tf.dispose(ins);
  }
  return rows;
}

/** GPU milliseconds per kernel name over one step, from timestamp queries (tf.profile); null without them. */
async function kernelTimes(step: () => number): Promise<Record<string, number> | null> {
  if (!(tf.backend() as unknown as { supportTimestampQuery?: boolean }).supportTimestampQuery) return null;
  const prof = await tf.profile(() => { step(); });
  const by = new Map<string, number>();
  for (const k of prof.kernels) by.set(k.name, (by.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0));
  return Object.fromEntries([...by].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => [k, Number(v.toFixed(3))]));
}

/** Child process: one subject; prints one JSON line. Stops timing at the cap (the parent kills it a little later). */
async function child(job: Job): Promise<void> {
  const t0 = performance.now();
  const info = await initBackend(job.backend);
  const shape = SHAPES[job.shape];
  if (job.kind === 'matmul') {
    const matmul = matmulBench(shape, t0 + job.capS * 1000, info.features ?? []);
    process.stdout.write(`\n@@RESULT ${JSON.stringify({ backend: job.backend, shape: job.shape, kind: job.kind, status: 'ok', info, matmul })}\n`);
    process.exit(0);
  }
  if (job.precision) setPrecision(job.precision);
  const step = makeStep(shape, job.kind);
  const out: Result = { backend: job.backend, shape: job.shape, kind: job.kind, status: 'ok', info, precision: job.precision ?? 'fp32' };
  let s = performance.now();
  out.firstLoss = step();
  out.firstStepMs = performance.now() - s;
  // Between steps the event loop runs, as the trainer lets it: Dawn's objects are freed by finalizers that run only
  // then (a loop that never yields grows host memory a megabyte or two a step; docs/gpu.md).
  const yieldNow = () => new Promise((r) => setImmediate(r));
  for (let i = 1; i < job.warmup; i++) { step(); await yieldNow(); }
  const times: number[] = [];
  const deadline = t0 + job.capS * 1000;
  const c0 = gpuCounts();
  while (times.length < job.iters && performance.now() < deadline) {
    s = performance.now();
    step();
    times.push(performance.now() - s);
    await yieldNow();
  }
  const c1 = gpuCounts();
  const per = (k: keyof typeof c0) => (job.backend === 'webgpu' && times.length ? (c1[k] - c0[k]) / times.length : null);
  out.dispatchesPerStep = per('dispatches');
  out.readsPerStep = per('reads');
  out.allocsPerStep = per('allocs');
  if (times.length === 0) times.push(out.firstStepMs);
  out.steps = times.length;
  out.msPerStep = median(times);
  out.tokensPerS = (shape.batch * shape.seq) / (out.msPerStep / 1000);
  out.tflops = stepFlops(shape, job.kind) / (out.msPerStep / 1000) / 1e12;
  if (times.length < job.iters) out.note = `timed ${times.length} of ${job.iters} steps within the ${job.capS} s cap`;
  out.kernelMs = job.backend === 'webgpu' && performance.now() < deadline ? await kernelTimes(step) : null;
  process.stdout.write(`\n@@RESULT ${JSON.stringify(out)}\n`);
  process.exit(0);
}

function runChild(job: Job, killAfterS: number): Promise<Result> {
  const base: Result = { backend: job.backend, shape: job.shape, kind: job.kind, status: 'failed' };
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...process.execArgv, process.argv[1], '--child', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), killAfterS * 1000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (line) return resolve(JSON.parse(line.slice(9)));
      const why = signal ? `no step finished within ${Math.round(killAfterS)} s (killed)` : `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
      resolve({ ...base, status: signal ? 'skipped' : 'failed', note: why });
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ci = args.indexOf('--child');
  if (ci >= 0) return child(JSON.parse(args[ci + 1]) as Job);
  const json = args.includes('--json');
  const num = (name: string, dflt: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : dflt; };
  const budgetS = num('budget', 270);
  const log = (s: string) => { if (!json) process.stderr.write(s + '\n'); };
  const started = performance.now();
  const left = () => budgetS - (performance.now() - started) / 1000;

  // GPU first (the 1B model after the CPU reference, which the speed-up needs), so its figures exist whatever the CPU
  // does with the time that is left. Caps are for timing; the kill
  // margin covers start-up (loading Dawn, compiling shaders, a large model's first step on the CPU).
  const jobs: (Job & { killAfterS: number })[] = [
    { backend: 'webgpu', shape: 'reference', kind: 'full_ft', warmup: 3, iters: 30, capS: 25, killAfterS: 60 },
    { backend: 'webgpu', shape: 'reference', kind: 'lora', warmup: 3, iters: 30, capS: 25, killAfterS: 60 },
    { backend: 'webgpu', shape: 'large', kind: 'full_ft', warmup: 2, iters: 8, capS: 45, killAfterS: 90 },
    { backend: 'native', shape: 'reference', kind: 'full_ft', warmup: 2, iters: 10, capS: 20, killAfterS: 40 },
    { backend: 'native', shape: 'reference', kind: 'lora', warmup: 2, iters: 10, capS: 20, killAfterS: 40 },
    // 1.1B parameters drawn on the CPU (tf.randomNormal) and uploaded before the first step: a long start.
    { backend: 'webgpu', shape: 'llama1b', kind: 'lora', warmup: 1, iters: 5, capS: 90, killAfterS: 150 },
    // What the time left buys: mixed precision at BERT-base size, the matmuls alone (ours against tfjs's), the CPU at
    // BERT-base size.
    { backend: 'webgpu', shape: 'large', kind: 'full_ft', warmup: 2, iters: 8, capS: 45, killAfterS: 90, precision: 'mixed' },
    { backend: 'webgpu', shape: 'reference', kind: 'matmul', warmup: 0, iters: 0, capS: 20, killAfterS: 40 },
    { backend: 'webgpu', shape: 'large', kind: 'matmul', warmup: 0, iters: 0, capS: 30, killAfterS: 60 },
    { backend: 'native', shape: 'large', kind: 'full_ft', warmup: 1, iters: 2, capS: 60, killAfterS: 90 },
  ];
  // --only webgpu,reference: subjects whose "backend shape kind precision" contains every listed word.
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : [];
  // --precision mixed: every webgpu training subject in mixed precision (the list already has BERT-base in both).
  const forced = args.includes('--precision') ? args[args.indexOf('--precision') + 1] as Precision : null;
  if (forced != null && forced !== 'fp32' && forced !== 'mixed') throw new Error(`--precision "${forced}" must be fp32 or mixed.`);
  if (forced) for (const j of jobs) if (j.backend === 'webgpu' && j.kind !== 'matmul') j.precision = forced;
  const label = (j: Job) => `${j.backend} ${j.shape} ${j.kind}${j.kind === 'matmul' ? '' : ` ${j.precision ?? 'fp32'}`}`;
  // Slow adapters (lavapipe: seconds per step, and tens of seconds compiling shaders on the first) need other counts:
  // --warmup N --iters N --cap S override every subject's (the kill margin grows with the cap).
  for (const j of jobs) {
    if (args.includes('--warmup')) j.warmup = num('warmup', j.warmup);
    if (args.includes('--iters')) j.iters = num('iters', j.iters);
    if (args.includes('--cap')) { j.capS = num('cap', j.capS); j.killAfterS = Math.max(j.killAfterS, j.capS * 2); }
  }
  const results: Result[] = [];
  const seen = new Set<string>();
  for (const j of jobs.filter((j) => only.every((w) => label(j).includes(w)))) {
    if (seen.has(label(j))) continue; // --precision can make two subjects one
    seen.add(label(j));
    const room = left();
    if (room < 15) {
      results.push({ backend: j.backend, shape: j.shape, kind: j.kind, status: 'skipped', note: `bench budget of ${budgetS} s spent` });
      continue;
    }
    const kill = Math.min(j.killAfterS, room);
    const { killAfterS, ...job } = j;
    log(`${label(j)}: up to ${Math.round(kill)} s ...`);
    const r = await runChild({ ...job, capS: Math.min(j.capS, kill * 0.6) }, kill);
    r.precision = j.kind === 'matmul' ? undefined : j.precision ?? 'fp32';
    if (r.matmul) {
      for (const m of r.matmul) log(`  ${m.what}: tfjs ${m.tfjs_ms.toFixed(2)} ms, ftbench ${m.ftb_ms.toFixed(2)} ms (tfjs/ftbench ${m.tfjs_over_ftb.toFixed(2)}×)${m.ftb_mixed_ms == null ? '' : `, mixed ${m.ftb_mixed_ms.toFixed(2)} ms (${m.tfjs_over_ftb_mixed!.toFixed(2)}×)`}`);
    } else log(r.status === 'ok'
      ? `  ${r.msPerStep!.toFixed(1)} ms/step, ${Math.round(r.tokensPerS!)} tokens/s (first step ${r.firstStepMs!.toFixed(0)} ms, loss ${r.firstLoss!.toFixed(5)})${r.note ? `; ${r.note}` : ''}`
      : `  ${r.status}: ${r.note}`);
    results.push(r);
    if (r.status !== 'ok' && j.backend === 'webgpu' && j.shape === 'reference' && j.kind === 'full_ft') log('  (webgpu did not start: see docs/gpu.md, "If the adapter is not found")');
  }

  const find = (b: Backend, shape: string, kind: Kind, p: Precision = 'fp32') => results.find((r) => r.backend === b && r.shape === shape && r.kind === kind && (b !== 'webgpu' || r.precision === p));
  const rows = (['reference', 'large', 'llama1b'] as const).flatMap((shape) => (['full_ft', 'lora'] as const).flatMap((kind) => (['fp32', 'mixed'] as const).map((precision) => {
    const gpu = find('webgpu', shape, kind, precision), cpu = find('native', shape, kind);
    if (!gpu && (!cpu || precision === 'mixed')) return null;
    const ok = (r?: Result) => (r?.status === 'ok' ? r : undefined);
    return {
      shape, kind, precision,
      webgpu_ms: ok(gpu)?.msPerStep ?? null, webgpu_tokens_s: ok(gpu)?.tokensPerS ?? null,
      // The issue-18 names: the webgpu subject's figures (where the step goes, and how fast).
      dispatches_per_step: ok(gpu)?.dispatchesPerStep ?? null, reads_per_step: ok(gpu)?.readsPerStep ?? null,
      allocs_per_step: ok(gpu)?.allocsPerStep ?? null, ms_per_step: ok(gpu)?.msPerStep ?? null,
      tokens_per_s: ok(gpu)?.tokensPerS ?? null, tflops: ok(gpu)?.tflops ?? null, cpu_tflops: ok(cpu)?.tflops ?? null,
      cpu_ms: ok(cpu)?.msPerStep ?? null, cpu_tokens_s: ok(cpu)?.tokensPerS ?? null,
      speedup: ok(gpu) && ok(cpu) ? ok(cpu)!.msPerStep! / ok(gpu)!.msPerStep! : null,
      // Same model, same seed, same batch: the first step's loss agrees across backends up to float32 rounding.
      first_loss_diff: ok(gpu) && ok(cpu) ? Math.abs(ok(gpu)!.firstLoss! - ok(cpu)!.firstLoss!) : null,
      kernel_ms: ok(gpu)?.kernelMs ?? null,
      notes: [gpu, cpu].filter((r) => r && r.status !== 'ok').map((r) => `${r!.backend}: ${r!.note}`).concat(
        [gpu, cpu].filter((r) => r?.status === 'ok' && r.note).map((r) => `${r!.backend}: ${r!.note}`)),
    };
  })).filter((r) => r != null));
  const matmul = Object.fromEntries(results.filter((r) => r.kind === 'matmul').map((r) => [r.shape, r.matmul ?? r.note ?? r.status]));
  const gpuInfo = results.find((r) => r.backend === 'webgpu' && r.info)?.info;
  const cpuInfo = results.find((r) => r.backend === 'native' && r.info)?.info;
  const summary = {
    adapter: gpuInfo?.adapter ?? null,
    cpu: { model: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), backend: cpuInfo ? `${cpuInfo.name} (${cpuInfo.kernelPack}${cpuInfo.blas ? `, ${cpuInfo.blas}` : ''}), ${cpuInfo.threads} threads` : null },
    features: gpuInfo?.features ?? null,
    storage_buffers_per_dispatch: gpuInfo?.storageBuffers ?? null,
    subgroup_size: gpuInfo?.subgroups ?? null,
    subgroups_note: gpuInfo?.subgroupsNote ?? null,
    shapes: SHAPES,
    rows,
    matmul,
    seconds: Math.round((performance.now() - started) / 1000),
    results: results.map(({ info: _info, ...r }) => r),
  };
  if (json) {
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return;
  }
  const f = (x: number | null, d = 1) => (x == null ? '—' : x.toFixed(d));
  log('');
  log(`GPU: ${gpuInfo?.blas ?? 'none'}   CPU: ${summary.cpu.model} × ${summary.cpu.cores}, ${summary.cpu.backend ?? '—'}`);
  log(`WebGPU features: ${summary.features?.join(', ') ?? '—'}; storage buffers per dispatch: ${summary.storage_buffers_per_dispatch ?? '—'}; reductions in subgroups of ${summary.subgroup_size ?? `— (not used: ${summary.subgroups_note ?? 'no WebGPU'})`}`);
  log('shape      kind    precision  webgpu ms/step  tokens/s   cpu ms/step  tokens/s   speed-up  Δ first loss');
  for (const r of rows) {
    log(`${r.shape.padEnd(10)} ${r.kind.padEnd(8)} ${r.precision.padEnd(7)} ${f(r.webgpu_ms).padStart(14)} ${f(r.webgpu_tokens_s, 0).padStart(9)} ${f(r.cpu_ms).padStart(13)} ${f(r.cpu_tokens_s, 0).padStart(9)} ${(r.speedup == null ? '—' : `${r.speedup.toFixed(1)}×`).padStart(10)}  ${r.first_loss_diff == null ? '—' : r.first_loss_diff.toExponential(1)}`);
    if (r.dispatches_per_step != null) log(`    webgpu per step: ${f(r.dispatches_per_step, 0)} dispatches, ${f(r.reads_per_step, 2)} reads, ${f(r.allocs_per_step, 2)} buffer allocations, ${f(r.tflops, 3)} TFLOPS`);
    if (r.kernel_ms) log(`    GPU ms by kernel: ${Object.entries(r.kernel_ms).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    for (const n of r.notes) log(`    ${n}`);
  }
  log(`(${summary.seconds} s)`);
  // The machine-readable line, also without --json, so a log alone is enough.
  const { shapes: _shapes, seconds: _seconds, results: _results, ...line } = summary;
  process.stdout.write(`GPU_BENCH_JSON ${JSON.stringify(line)}\n`);
}

await main();
