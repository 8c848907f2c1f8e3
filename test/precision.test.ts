// budget.precision: 'mixed' is validated by the suite schema, hashed only when set (fp32 written out is the default,
// same trial), and refused at plan time, in one sentence, by a backend that cannot run it (never a silent fp32 run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { techniques } from '../techniques/index.js';
import { runSweep } from '../harness/sweep/run.js';
import { suiteSchema } from '../harness/sweep/suite.js';
import { configHash, plan } from '../harness/sweep/plan.js';
import { checkPrecision } from '../harness/sweep/preflight.js';

const suiteWith = (budget: Record<string, unknown>) =>
  suiteSchema.parse({ name: 'p', models: ['encoder-tiny'], datasets: ['spam'], techniques: ['lora'], budget: { steps: 5, batch_size: 8, lr: 1e-3, ...budget } });

test('the schema takes fp32 and mixed and names the field for anything else', () => {
  assert.equal(suiteWith({ precision: 'mixed' }).budget.precision, 'mixed');
  assert.throws(() => suiteWith({ precision: 'bf16' }), /precision/);
});

test('precision fp32 written out is the same trial as precision left out; mixed is another', () => {
  const ctx = { checkpointHash: 'c', datasetHash: 'd', backend: 'webgpu' };
  const [absent] = plan(suiteWith({}), techniques);
  const [fp32] = plan(suiteWith({ precision: 'fp32' }), techniques);
  const [mixed] = plan(suiteWith({ precision: 'mixed' }), techniques);
  assert.equal(fp32.budget.precision, undefined);
  assert.equal(configHash(fp32, ctx), configHash(absent, ctx));
  assert.notEqual(configHash(mixed, ctx), configHash(absent, ctx));
  // A dataset entry's budget may ask for it too.
  const perTask = suiteSchema.parse({ ...suiteWith({}), datasets: [{ id: 'spam', budget: { precision: 'mixed' } }] });
  assert.equal(plan(perTask, techniques)[0].budget.precision, 'mixed');
});

test('mixed is refused at plan time where it cannot run, in one sentence naming the trial and the fix', async () => {
  const trials = plan(suiteWith({ precision: 'mixed' }), techniques);
  assert.throws(() => checkPrecision(trials, { name: 'native' }),
    /^Error: Trial lora on encoder-tiny\/spam asks for budget\.precision "mixed", but it needs the webgpu backend with shader-f16, and this run uses "native": remove precision \(fp32 is the default\) or run with --backend webgpu/);
  assert.throws(() => checkPrecision(trials, { name: 'webgpu', features: ['timestamp-query'] }), /the WebGPU adapter does not offer shader-f16/);
  checkPrecision(trials, { name: 'webgpu', features: ['shader-f16'] });
  checkPrecision(plan(suiteWith({}), techniques), { name: 'native' }); // fp32 runs anywhere
  // A sweep refuses before it opens (or creates) the database.
  const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ftb-precision-')), 'r.duckdb');
  const backend = { name: 'native', threads: 1, kernelPack: 'native', blas: null };
  await assert.rejects(runSweep(suiteWith({ precision: 'mixed' }), { db, backend, techniques }), /budget\.precision "mixed"/);
  assert.equal(fs.existsSync(db), false);
});

test('ftbench run with precision mixed on a CPU backend exits with the sentence and trains nothing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftb-precision-cli-'));
  const suite = path.join(dir, 'mixed.yaml');
  fs.writeFileSync(suite, 'name: mixed\nmodels: [encoder-tiny]\ndatasets: [spam]\ntechniques: [lora]\nbudget: { steps: 2, batch_size: 4, lr: 0.001, precision: mixed }\n');
  const db = path.join(dir, 'r.duckdb');
  const r = spawnSync(process.execPath, ['bin/ftbench.js', 'run', '--suite', suite, '--db', db, '--backend', 'wasm', '--plain'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /budget\.precision "mixed", but it needs the webgpu backend with shader-f16, and this run uses "wasm"/);
  assert.equal(fs.existsSync(db), false);
});
