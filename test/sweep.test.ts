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
import { suiteSchema } from '../harness/sweep/suite.js';
import { configHash, plan } from '../harness/sweep/plan.js';
import { Store } from '../harness/store/index.js';
import { initBackend } from '../harness/backend/index.js';

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

// A technique whose trial dies the way a wasm heap overflow does.
const aborting: Technique<Record<string, never>> = {
  ...fullFt,
  id: 'test-aborting',
  name: 'Aborting (test only)',
  apply() {
    throw new Error('RuntimeError: Aborted(). Build with -sASSERTIONS for more info.');
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

describe('sweep', () => {
  before(() => {
    if (!techniques.has(diverging.id)) techniques.register(diverging);
    if (!techniques.has(aborting.id)) techniques.register(aborting);
  });

  it('stops after a backend abort, skips the failed trial when resumed, and reruns it with retryFailed', async () => {
    const backend = await initBackend();
    const { db, suite } = tinySweep('abort', ['test-aborting', 'lora'], { steps: 3, train_examples: 24, eval_examples: 16 });
    const first = await runSweep(suite, { db, backend, techniques });
    assert.deepEqual([first.ran, first.failed, first.stopped], [1, 1, true]);
    assert.match(first.stopReason ?? '', /wasm backend aborted/);
    const resumed = await runSweep(suite, { db, backend, techniques });
    assert.deepEqual([resumed.ran, resumed.failed, resumed.stopped, resumed.skippedAsDone], [1, 0, false, 1]);
    const retried = await runSweep(suite, { db, backend, techniques, retryFailed: true });
    assert.deepEqual([retried.ran, retried.failed, retried.skippedAsDone], [1, 1, 1]);
    const s = await Store.open(db, { readOnly: true });
    const rows = await s.query("SELECT technique, status, error FROM trials WHERE status = 'failed'");
    await s.close();
    assert.ok(rows.length === 1 && rows.every((r) => /^The wasm backend aborted, most likely because its heap/.test(r.error as string)), JSON.stringify(rows));
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
