// Sweep tests in-process: a trial whose loss turns NaN is stored as failed with its reason and the sweep goes on.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { techniques } from '../techniques/index.js';
import type { Technique } from '../harness/plugin.js';
import { runSweep } from '../harness/sweep/run.js';
import { TrainRows } from '../harness/sweep/train-rows.js';
import { suiteSchema } from '../harness/sweep/suite.js';
import { configHash, plan } from '../harness/sweep/plan.js';
import { Store } from '../harness/store/index.js';
import { initBackend } from '../harness/backend/index.js';
import { resetBackendFault } from '../harness/backend/health.js';
import { identify } from '../harness/sweep/queue/identity.js';
import { runTrialJob } from '../harness/sweep/queue/trial-job.js';
import { FTBENCH_VERSION, type TrialJob } from '../harness/sweep/queue/protocol.js';

const fullFt = techniques.get('full-ft');
// A technique that diverges on purpose: full fine-tuning whose aux loss turns NaN at step 3.
const diverging: Technique<Record<string, never>> = {
  ...fullFt,
  id: 'test-diverging',
  name: 'Diverging (test only)',
  apply(model, config, ctx) {
    const a = fullFt.apply(model, config, ctx);
    let n = 0;
    return { ...a, auxLoss: () => (++n === 3 ? tf.scalar(NaN) : null) };
  },
};

// A technique whose trial traps inside the real wasm module (freeing a pointer past its memory: "memory access out of
// bounds", the trap LoRA r: 1000000 ends in after minutes of allocation), so the backend is broken by state.
const aborting: Technique<Record<string, never>> = {
  ...fullFt,
  id: 'test-aborting',
  name: 'Aborting (test only)',
  apply() {
    (tf.backend() as unknown as { wasm: { _free(p: number): void } }).wasm._free(0xfffffff0);
    throw new Error('the wasm module did not trap');
  },
};

/** A fresh database, and a one-seed suite of these techniques on encoder-tiny / spam with a few steps of 8. */
function tinySweep(name: string, techniqueIds: string[], budget: { steps: number; train_examples: number; eval_examples: number }) {
  const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-sweep-')), 'r.duckdb');
  const suite = suiteSchema.parse({
    name,
    models: ['encoder-tiny'],
    datasets: ['spam'],
    techniques: techniqueIds,
    seeds: [0],
    budget: { batch_size: 8, lr: 1e-3, max_len: 32, ...budget },
  });
  return { db, suite };
}

/** Runs f, counting the training examples tokenised through the sweep's TrainRows (the memory check's and the trials'). */
async function countEncodes<T>(f: () => Promise<T>): Promise<[T, number]> {
  const of = TrainRows.prototype.of;
  let n = 0;
  TrainRows.prototype.of = function (this: TrainRows, t, maxLen, train, encode) {
    return of.call(this, t, maxLen, train, (e) => (n++, encode(e)));
  };
  try {
    return [await f(), n];
  } finally {
    TrainRows.prototype.of = of;
  }
}

describe('sweep', () => {
  before(() => {
    if (!techniques.has(diverging.id)) techniques.register(diverging);
    if (!techniques.has(aborting.id)) techniques.register(aborting);
  });

  // The wasm backend is the one a trial can break (the native one's memory is the process's own); chosen explicitly.
  it('stores only the culprit of a backend trap as failed, stops, and a fresh process stores every valid trial ok', async () => {
    const backend = await initBackend('wasm');
    const { db, suite } = tinySweep('abort', ['test-aborting', 'full-ft', 'lora'], { steps: 3, train_examples: 24, eval_examples: 16 });
    const first = await runSweep(suite, { db, backend, techniques });
    assert.deepEqual([first.ran, first.failed, first.stopped, first.backendDead], [1, 1, true, true]);
    assert.match(first.stopReason ?? '', /backend broke during test-aborting .*trap inside the wasm backend/);
    resetBackendFault(); // what a new process starts with (the trap left this module's heap as it was)
    const resumed = await runSweep(suite, { db, backend, techniques });
    assert.deepEqual([resumed.ran, resumed.failed, resumed.stopped, resumed.skippedAsDone], [2, 0, false, 1]);
    const s = await Store.open(db, { readOnly: true });
    const rows = await s.query('SELECT technique, status FROM trials ORDER BY technique');
    const runs = await s.query('SELECT status, stop_reason FROM runs ORDER BY started_at');
    await s.close();
    assert.deepEqual(rows, [{ technique: 'full-ft', status: 'ok' }, { technique: 'lora', status: 'ok' }, { technique: 'test-aborting', status: 'failed' }]);
    assert.deepEqual(runs.map((r) => r.status), ['stopped', 'finished']);
    resetBackendFault();
  });

  it('a queue job whose trial broke the backend says so by state, so its worker replaces the process', async () => {
    const backend = await initBackend('wasm');
    const { suite } = tinySweep('abort-queued', ['full-ft', 'test-aborting'], { steps: 3, train_examples: 24, eval_examples: 16 });
    const id = await identify(suite, techniques, backend.name);
    const job = (index: number): TrialJob => ({
      ftbench: FTBENCH_VERSION, suiteName: suite.name, suiteHash: id.suiteHash, suite, index, configHash: id.hashes[index],
      backend: backend.name, label: id.trials[index].label,
    });
    const fine = await runTrialJob(job(0), { techniques, backend: 'wasm' });
    assert.ok(fine.kind === 'record' && fine.record.status === 'ok' && fine.backendFault === null);
    const broke = await runTrialJob(job(1), { techniques, backend: 'wasm' });
    assert.ok(broke.kind === 'record' && broke.record.status === 'failed');
    assert.match(broke.backendFault ?? '', /trap inside the wasm backend/);
    resetBackendFault();
    await initBackend();
  });

  it('stores a trial whose training memory cannot fit as failed, with one sentence, before training, and runs the rest; a rerun tokenises nothing', async () => {
    const backend = await initBackend();
    for (const [entries, budget, want, ok] of [
      // A rank off by orders of magnitude beside a sane LoRA: only the first is refused; the second trains.
      [[{ id: 'lora', label: 'huge', config: { r: 1000000 } }, 'lora'], {}, /^Trial huge on encoder-tiny\/spam at batch 8 × \d+ tokens \((the longest example|max_len, which the longest example reaches)\) needs about [\d.]+ GiB \(weights .*, optimizer .*, activations .*\) but the \w+ backend has [\d.]+ GiB: use a smaller rank r\.$/, 1],
      // A batch no machine holds: every trial is refused, so the base is never even loaded.
      [['full-ft'], { batch_size: 1e9 }, /^Trial full-ft on encoder-tiny\/spam at batch 1000000000 × \d+ tokens \((the longest example|max_len, which the longest example reaches)\) needs about .* use batch_size \d+ or less/, 0],
    ] as const) {
      const { db, suite } = tinySweep('huge', ['lora'], { steps: 3, train_examples: 24, eval_examples: 16 });
      const s2 = { ...suite, techniques: entries, budget: { ...suite.budget, ...budget } };
      const [summary, first] = await countEncodes(() => runSweep(s2 as unknown as typeof suite, { db, backend, techniques }));
      assert.equal(summary.failed, 1);
      assert.equal(summary.ran, 1 + ok);
      const s = await Store.open(db, { readOnly: true });
      const rows = await s.query('SELECT technique, status, error, steps FROM trials ORDER BY status');
      assert.equal(rows.length, 1 + ok);
      assert.equal(rows[0].status, 'failed');
      assert.equal(rows[0].steps, 0, 'refused before any training step');
      assert.match(String(rows[0].error), want);
      if (ok) assert.equal(rows[1].status, 'ok');
      await s.close();
      assert.ok(first > 0, 'the first run tokenised its training split');
      // Run again: every trial is stored (the refused one under its loaded base's hash, or under refused-before-load
      // when no trial loaded it), so nothing is tokenised, trained or stored.
      const [again, encoded] = await countEncodes(() => runSweep(s2 as unknown as typeof suite, { db, backend, techniques }));
      assert.deepEqual([again.skippedAsDone, again.ran, encoded], [1 + ok, 0, 0]);
      const s3 = await Store.open(db, { readOnly: true });
      assert.equal((await s3.query('SELECT count(*)::INT AS n FROM trials'))[0].n, 1 + ok);
      await s3.close();
    }
  });

  it('a queue job whose trial cannot fit comes back failed with the sentence, as in a sweep', async () => {
    const backend = await initBackend();
    const { suite } = tinySweep('huge-queued', ['lora'], { steps: 3, train_examples: 24, eval_examples: 16 });
    const s2 = { ...suite, name: 'huge-queued', techniques: [{ id: 'lora', label: 'huge', config: { r: 1000000 } }] } as unknown as typeof suite;
    const id = await identify(s2, techniques, backend.name);
    const out = await runTrialJob({ ftbench: FTBENCH_VERSION, suiteName: s2.name, suiteHash: id.suiteHash, suite: s2, index: 0, configHash: id.hashes[0], backend: backend.name, label: 'huge' }, { techniques, backend: 'auto' });
    assert.ok(out.kind === 'record' && out.record.status === 'failed' && out.backendFault === null);
    assert.equal(out.record.steps, 0);
    assert.match(out.record.error ?? '', /^Trial huge on encoder-tiny\/spam at batch 8 × \d+ tokens .* needs about [\d.]+ GiB .* use a smaller rank r\.$/);
  });

  it('refuses a suite that plans the same trial twice', () => {
    const base = { name: 'dup', models: ['encoder-tiny'], datasets: ['spam'], budget: { steps: 5, batch_size: 8, lr: 1e-3 } };
    assert.throws(() => plan(suiteSchema.parse({ ...base, techniques: ['lora'], seeds: [0, 0] }), techniques), /plans the trial lora on encoder-tiny\/spam seed 0 twice \(seed 0 is listed twice in seeds\); list each once/);
    assert.throws(() => plan(suiteSchema.parse({ ...base, techniques: ['lora', { id: 'lora', label: 'again' }] }), techniques), /entries "lora" and "again" are the same technique/);
  });

  it('records a NaN trial as failed with the reason and runs the rest', async () => {
    const backend = await initBackend();
    const { db, suite } = tinySweep('nan', ['test-diverging', 'lora'], { steps: 5, train_examples: 40, eval_examples: 24 });
    const summary = await runSweep(suite, { db, backend, techniques });
    assert.equal(summary.ran, 2);
    assert.equal(summary.failed, 1);
    const s = await Store.open(db, { readOnly: true });
    const rows = await s.query('SELECT technique, status, error FROM trials ORDER BY technique');
    await s.close();
    assert.deepEqual(rows, [
      { technique: 'lora', status: 'ok', error: null },
      { technique: 'test-diverging', status: 'failed', error: 'loss became NaN at step 3' },
    ]);
  });

  it('hashes every input that changes a result', () => {
    const suite = suiteSchema.parse({ name: 'h', models: ['encoder-tiny'], datasets: ['spam'], techniques: ['lora', { id: 'lora', config: { r: 4 } }], seeds: [0, 1], budget: { steps: 5, batch_size: 8, lr: 1e-3 } });
    const trials = plan(suite, techniques);
    const ctx = { checkpointHash: 'c', datasetHash: 'd', backend: 'wasm' };
    const hashes = new Set(trials.map((t) => configHash(t, ctx)));
    assert.equal(hashes.size, 4, 'config and seed must change the hash');
    const t = trials[0];
    for (const other of [{ ...ctx, checkpointHash: 'c2' }, { ...ctx, datasetHash: 'd2' }, { ...ctx, backend: 'cpu' }]) assert.notEqual(configHash(t, other), configHash(t, ctx));
    assert.notEqual(configHash({ ...t, budget: { ...t.budget, steps: 6 } }, ctx), configHash(t, ctx));
    assert.throws(() => plan({ ...suite, techniques: [{ id: 'lora', config: { r: -1 } }] }, techniques), /Invalid config for technique "lora": field "r"/);
  });
});
