// The WebGPU backend (Dawn over Vulkan; lavapipe in CI) trains every model family with every technique like the
// default backend: same losses over a few trainer steps, same first gradients; and a suite run matches too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendInfo } from '../harness/backend/index.js';
import { fallbackCalls, probeAdapter } from '../harness/backend/webgpu.js';
import { loadNative } from '../harness/backend/native/index.js';
import { BatchStream, train } from '../harness/train/trainer.js';
import { disposeBatch } from '../harness/train/batch.js';
import type { AnyTechnique, Applied, ApplyContext, TrialServices } from '../harness/plugin.js';
import type { Family } from '../harness/model/config.js';
import { techniques } from '../techniques/index.js';
import { tinyBatch, tinyModel, tinyObjective, tinyRows } from './helpers/tiny.js';
import { Store } from '../harness/store/index.js';
import { applyTechnique } from '../harness/apply.js';

// The default CPU backend (native + kernel pack; wasm where the addon is not built), whatever `auto` picks here.
const REFERENCE = loadNative().addon ? 'native' as const : 'wasm' as const;
const STEPS = 2;
// float32 on two backends: reductions in another order. A gradient compares relative to its largest entry, or to a
// thousandth of the run's largest gradient when it is smaller (k's bias: zero up to rounding, by softmax's shift invariance).
const LOSS_TOL = 1e-4;
const GRAD_TOL = 1e-4;

// Skip only when no adapter exists at all (no Vulkan driver); an adapter that fails to initialise fails the tests.
const probe = await probeAdapter();
const SKIP = 'adapter' in probe ? false : `no WebGPU adapter (${probe.reason}); scripts/setup.sh --dev installs lavapipe`;
if (SKIP) console.log(`# webgpu tests skipped: ${SKIP}`);
let webgpuInfo: BackendInfo | null = null;
let initError: Error | null = null;
if (!SKIP) {
  try {
    webgpuInfo = await initBackend('webgpu');
  } catch (e) {
    initError = e as Error;
  }
}
/** The webgpu backend's info; throws the initialisation error inside the test that needs it. */
function webgpu(): BackendInfo {
  if (!webgpuInfo) throw initError!;
  return webgpuInfo;
}

// Services for techniques that learn from other tasks (LoRAHub, O-LoRA); optional so this file stands alone.
const servicesFor: ((f: Family, lr: number) => TrialServices) | null = await import('./helpers/tiny-services.js')
  .then((m) => m.tinyServices as (f: Family, lr: number) => TrialServices)
  .catch(() => null);

/** Math.random drives tf.dropout without a seed: the same sequence on both backends. */
function seedMathRandom(seed: number): () => void {
  const real = Math.random;
  let s = seed >>> 0;
  Math.random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    Math.random = real;
  };
}

interface Run {
  losses: number[];
  leaked: number; // tensors left behind by the run (the conformance suite checks techniques; here only the backend counts)
  grads: Map<string, Float32Array>; // '#<index in paramGroups> <shape>' → gradient
}

/** First-step gradients, then STEPS trainer steps (transformGrads, clipping, optimizer, onStep) on `backend`. */
async function runOn(backend: 'webgpu' | typeof REFERENCE, family: Family, t: AnyTechnique): Promise<Run | string> {
  await initBackend(backend);
  const before = tf.memory().numTensors;
  const restore = seedMathRandom(42);
  const model = tinyModel(family);
  let applied: Applied | null = null;
  let run: Omit<Run, 'leaked'>;
  try {
    const reason = t.unsupported?.(model);
    if (reason) return reason;
    const lr = 2e-3 * (t.lrMultiplier ?? 1);
    const ctx: ApplyContext = {
      seed: 1, totalSteps: STEPS,
      sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 100 + i)),
      loss: (b) => tinyObjective.loss(model, b),
      ...(servicesFor ? { services: servicesFor(family, lr) } : {}),
    };
    try {
      applied = applyTechnique(t, model, t.defaults as never, ctx);
    } catch (e) {
      return `does not apply: ${(e as Error).message}`;
    }
    const a = applied;
    await a.prepare?.();
    const vars = a.paramGroups().flatMap((g) => g.vars);
    const batch = tinyBatch(8, 7);
    model.training = true;
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
      const aux = a.auxLoss?.();
      const loss = tinyObjective.loss(model, batch);
      return (aux ? tf.add(loss, aux) : loss) as tf.Scalar;
    }), vars);
    model.training = false;
    // Keyed by position in paramGroups: tfjs names variables by a process-wide counter.
    const out = new Map(vars.flatMap((v, i) => (grads[v.name] ? [[`#${i} ${v.shape}`, (grads[v.name].dataSync() as Float32Array).slice()] as const] : [])));
    tf.dispose([value, ...Object.values(grads)]);
    disposeBatch(batch);
    const r = await train({
      model, applied: a, objective: tinyObjective,
      stream: new BatchStream(tinyRows(32), 8, tinyObjective, 32, 1),
      budget: { steps: STEPS, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0.01, clipNorm: 1, schedule: 'constant' },
      optimizerSpec: { lr, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    });
    assert.equal(r.failure, null, `${family} × ${t.id} on ${backend}: ${r.failure}`);
    run = { losses: r.curves.map((c) => c.loss), grads: new Map(out) };
  } finally {
    applied?.dispose();
    model.dispose();
    restore();
  }
  return { ...run, leaked: tf.memory().numTensors - before };
}

const maxAbs = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

function relMaxDiff(a: Float32Array, b: Float32Array, floor: number): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d / Math.max(maxAbs(a), floor, 1e-12);
}

test('every model family × technique trains on webgpu like on the default backend', { skip: SKIP }, async () => {
  const info = webgpu();
  const only = process.env.FTBENCH_TECHNIQUES?.split(',');
  const all = techniques.all().filter((t) => !only || only.includes(t.id));
  const worst = { loss: 0, grad: 0, lossAt: '', gradAt: '' };
  const notApplied: string[] = [];
  for (const family of ['encoder', 'decoder'] as const) {
    for (const t of all) {
      const where = `${family} × ${t.id}`;
      const ref = await runOn(REFERENCE, family, t);
      const gpu = await runOn('webgpu', family, t);
      if (typeof ref === 'string' || typeof gpu === 'string') {
        assert.equal(typeof gpu, typeof ref, `${where}: applies on one backend only (${ref} / ${gpu})`);
        notApplied.push(`${where}: ${ref}`);
        continue;
      }
      assert.equal(gpu.losses.length, STEPS, where);
      assert.ok(gpu.leaked <= ref.leaked, `${where}: ${gpu.leaked} tensors left on webgpu, ${ref.leaked} on ${REFERENCE}`);
      for (let s = 0; s < STEPS; s++) {
        const d = Math.abs(gpu.losses[s] - ref.losses[s]) / Math.max(1, Math.abs(ref.losses[s]));
        if (d > worst.loss) Object.assign(worst, { loss: d, lossAt: `${where} step ${s + 1}` });
        assert.ok(d <= LOSS_TOL, `${where} step ${s + 1}: loss ${gpu.losses[s]} on webgpu, ${ref.losses[s]} on ${REFERENCE}`);
      }
      assert.deepEqual([...gpu.grads.keys()].sort(), [...ref.grads.keys()].sort(), `${where}: gradient sets differ`);
      const floor = 1e-3 * Math.max(...[...ref.grads.values()].map(maxAbs));
      for (const [name, g] of ref.grads) {
        const d = relMaxDiff(g, gpu.grads.get(name)!, floor);
        if (d > worst.grad) Object.assign(worst, { grad: d, gradAt: `${where} ${name}` });
        assert.ok(d <= GRAD_TOL, `${where}: gradient of ${name} differs by ${d} (relative to its largest entry)`);
      }
    }
  }
  await initBackend('webgpu');
  console.log(`# webgpu vs ${REFERENCE} on ${info.blas}: worst loss diff ${worst.loss.toExponential(2)} (${worst.lossAt}), ` +
    `worst gradient diff ${worst.grad.toExponential(2)} (${worst.gradAt}); CPU-fallback kernels run: ${JSON.stringify(Object.fromEntries(fallbackCalls()))}`);
  if (notApplied.length) console.log(`# not applicable on either backend:\n#   ${notApplied.join('\n#   ')}`);
});

test('synchronous reads and the CPU fallback (Unique) work on webgpu', { skip: SKIP }, async () => {
  webgpu();
  await initBackend('webgpu');
  assert.equal(tf.getBackend(), 'webgpu');
  const x = tf.tensor1d([5, 1, 5, 3, 1], 'int32');
  const y = tf.mul(x, 2); // computed on the GPU: dataSync must read it back
  assert.deepEqual([...y.dataSync()], [10, 2, 10, 6, 2]);
  const { values, indices } = tf.unique(y);
  assert.deepEqual([...values.dataSync()], [10, 2, 6]);
  assert.deepEqual([...indices.dataSync()], [0, 1, 0, 2, 1]);
  assert.ok((fallbackCalls().get('Unique') ?? 0) > 0);
  // More inputs than a shader stage may bind (8 unless the device asks for more): AddN sums in chunks.
  const terms = Array.from({ length: 21 }, (_, i) => tf.fill([3], i + 1));
  const sum = tf.addN(terms);
  assert.deepEqual([...sum.dataSync()], [231, 231, 231]);
  tf.dispose([x, y, values, indices, sum, ...terms]);
});

test('ftbench run --backend webgpu gives the default backend\'s results', { skip: SKIP }, async () => {
  const info = webgpu();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-webgpu-'));
  const suite = path.join(dir, 'suite.yaml');
  // The quick suite, cut to a few steps: what is compared is the numbers, not the learning.
  fs.writeFileSync(suite, [
    'name: webgpu-check', 'models: [encoder-tiny]', 'datasets: [spam]', 'techniques: [full-ft, lora]', 'seeds: [0]',
    'budget:', '  steps: 6', '  batch_size: 8', '  lr: 0.001', '  eval_every: 0', '  max_len: 32', '  train_examples: 64', '  eval_examples: 32', '',
  ].join('\n'));
  const results: Record<string, Record<string, number>> = {};
  for (const backend of [REFERENCE, 'webgpu']) {
    const db = path.join(dir, `${backend}.duckdb`);
    const r = spawnSync(process.execPath, ['bin/ftbench.js', 'run', '--suite', suite, '--db', db, '--backend', backend, '--plain'], {
      encoding: 'utf8', env: { ...process.env, FTBENCH_WEBGPU: '0' },
    });
    assert.equal(r.status, 0, `${backend}: ${r.stdout}\n${r.stderr}`);
    const store = await Store.open(db);
    try {
      const runs = await store.query('SELECT backend, blas FROM runs');
      assert.equal(runs[0].backend, backend);
      if (backend === 'webgpu') assert.equal(runs[0].blas, info.blas, 'the run records the adapter');
      const rows = await store.query(
        `SELECT t.technique, c.step, c.loss FROM trials t JOIN curves c USING (trial_id) WHERE t.status = 'ok' ORDER BY 1, 2`);
      assert.ok(rows.length > 0, `${backend}: no curves stored`);
      results[backend] = Object.fromEntries(rows.map((x) => [`${x.technique}@${x.step}`, Number(x.loss)]));
    } finally {
      await store.close();
    }
  }
  const ref = results[REFERENCE], gpu = results.webgpu;
  assert.deepEqual(Object.keys(gpu).sort(), Object.keys(ref).sort());
  let worst = 0;
  for (const k of Object.keys(ref)) worst = Math.max(worst, Math.abs(gpu[k] - ref[k]) / Math.max(1, Math.abs(ref[k])));
  console.log(`# suite run: worst loss diff webgpu vs ${REFERENCE} ${worst.toExponential(2)} over ${Object.keys(ref).length} points`);
  assert.ok(worst <= 1e-3, `suite losses differ by ${worst}`);
  fs.rmSync(dir, { recursive: true, force: true });
});
