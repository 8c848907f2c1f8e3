// Any value a trial produces is storable: finite floats beyond int64 (a loss of 1e19), seeds beyond INT32 (3e9).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../harness/store/index.js';
import { runMeta, trial } from '../harness/store/testing.js';

describe('store values', () => {
  it('stores a loss and a metric of 1e19 as DOUBLE and a seed of 3e9', async () => {
    const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-values-')), 'v.duckdb');
    const s = await Store.open(db);
    const run = await s.beginRun(runMeta());
    await s.recordTrial(run, trial({ configHash: 'big', seed: 3e9, curves: [{ step: 1, loss: 1e19, lr: 1e-3 }], metrics: [{ split: 'test', step: 1, name: 'mse', value: 1e19, role: 'primary', higherIsBetter: false }] }));
    await s.finishRun(run);
    assert.deepEqual(await s.query('SELECT seed FROM trials'), [{ seed: 3e9 }]);
    assert.deepEqual(await s.query('SELECT loss FROM curves'), [{ loss: 1e19 }]);
    assert.deepEqual(await s.query('SELECT value FROM metrics'), [{ value: 1e19 }]);
    assert.deepEqual(await s.query('SELECT status FROM runs'), [{ status: 'finished' }]);
    await s.close();
  });
});
