// Tests the DuckDB results store against real database files in a temp folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Store, StoreError, type TrialRecord } from '../harness/store/index.js';
import { runMeta, trial } from '../harness/store/testing.js';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-store-'));
}

async function count(store: Store, table: string): Promise<number> {
  return (await store.query(`SELECT count(*) AS n FROM ${table}`))[0]!.n as number;
}

test('open creates the file, the schema and loads the reported numbers', async () => {
  const file = path.join(tmp(), 'r.duckdb');
  const store = await Store.open(file);
  try {
    assert.ok(fs.existsSync(file));
    const tables = (await store.query(`SELECT table_name FROM information_schema.tables ORDER BY 1`)).map((r) => r.table_name);
    for (const t of ['curves', 'metrics', 'predictions', 'reported', 'runs', 'trials']) assert.ok(tables.includes(t), t);
    const csvRows = fs.readFileSync(path.resolve('data/reference/reported_results.csv'), 'utf8').trim().split('\n').length - 1;
    assert.ok(csvRows > 1000);
    // Rows may hold quoted newlines in principle; the count must at least match the CSV's records.
    assert.equal(await count(store, 'reported'), csvRows);
    const lora = await store.query(`SELECT value FROM reported WHERE technique = 'LoRA' AND base_model = 'RoBERTa-base' AND task = 'SST-2'`);
    assert.ok(lora.length >= 1 && typeof lora[0]!.value === 'number');
  } finally {
    await store.close();
  }
});

test('a run and a trial round-trip with plain JS values', async () => {
  const store = await Store.open(path.join(tmp(), 'r.duckdb'));
  try {
    const runId = await store.beginRun(runMeta());
    const t = trial({ peakBytes: 5_000_000_000, tokensPerS: NaN });
    await store.recordTrial(runId, t);
    await store.finishRun(runId);

    const [row] = await store.query('SELECT * FROM trials WHERE trial_id = $1', [t.trialId]);
    assert.ok(row);
    assert.equal(row.run_id, runId);
    assert.equal(row.config_hash, t.configHash);
    assert.equal(row.trainable_params, 4096);            // number, not bigint
    assert.equal(row.peak_bytes, 5_000_000_000);          // beyond INTEGER range
    assert.equal(row.tokens_per_s, null);                 // not measured -> NULL
    assert.equal(row.ms_per_step, 80.25);
    assert.deepEqual(JSON.parse(row.config as string), t.config);
    assert.ok(row.started_at instanceof Date);
    assert.equal((row.started_at as Date).toISOString(), t.startedAt.toISOString());

    const metrics = await store.query('SELECT split, step, name, value, role, higher_is_better AS "higherIsBetter", context FROM metrics WHERE trial_id = $1 ORDER BY rowid', [t.trialId]);
    assert.deepEqual(metrics, t.metrics.map((m) => ({ ...m, context: m.context ?? null })));
    assert.equal(await count(store, 'curves'), 10);
    assert.equal(await count(store, 'predictions'), 20);
    const [run] = await store.query('SELECT * FROM runs');
    assert.equal(run!.threads, 2);
    assert.equal(run!.git_commit, 'abc1234');
    assert.ok(run!.finished_at instanceof Date);
    assert.deepEqual(JSON.parse(run!.packages as string), runMeta().packages);
  } finally {
    await store.close();
  }
});

test('a trial that fails halfway through writing leaves nothing behind', async () => {
  const store = await Store.open(path.join(tmp(), 'r.duckdb'));
  try {
    const runId = await store.beginRun(runMeta());
    const good = trial();
    // The trials and metrics rows insert fine; the curves insert then fails on a step that is not a number.
    const broken: TrialRecord = { ...good, curves: [{ step: 1, loss: 1, lr: 1 }, { step: 'two' as unknown as number, loss: 1, lr: 1 }] };
    await assert.rejects(store.recordTrial(runId, broken));
    for (const t of ['trials', 'metrics', 'curves', 'predictions']) assert.equal(await count(store, t), 0, t);
    assert.equal((await store.finishedConfigHashes()).size, 0);
    // The connection is usable afterwards and the same trial can be written.
    await store.recordTrial(runId, good);
    assert.equal(await count(store, 'trials'), 1);
    assert.equal(await count(store, 'metrics'), 3);
  } finally {
    await store.close();
  }
});

test('finishedConfigHashes counts ok, skipped and failed; retryFailed replaces a failed trial', async () => {
  const store = await Store.open(path.join(tmp(), 'r.duckdb'));
  try {
    const runId = await store.beginRun(runMeta());
    const ok = trial({ configHash: 'h-ok' });
    const skipped = trial({ configHash: 'h-skip', status: 'skipped', error: 'needs a decoder' });
    const failed = trial({ configHash: 'h-fail', status: 'failed', error: 'loss became NaN at step 3' });
    for (const t of [ok, skipped, failed]) await store.recordTrial(runId, t);

    assert.deepEqual([...(await store.finishedConfigHashes())].sort(), ['h-fail', 'h-ok', 'h-skip']);
    assert.deepEqual([...(await store.finishedConfigHashes({ retryFailed: true }))].sort(), ['h-ok', 'h-skip']);

    // A finished ok trial cannot be written twice: the error names it and the original stays.
    await assert.rejects(store.recordTrial(runId, trial({ configHash: 'h-ok' })), (e: unknown) =>
      e instanceof StoreError && /already stored as ok/.test(e.message));
    assert.equal((await store.query(`SELECT trial_id FROM trials WHERE config_hash = 'h-ok'`))[0]!.trial_id, ok.trialId);

    // A retried failed trial replaces the failed one, rows and all.
    const retry = trial({ configHash: 'h-fail' });
    await store.recordTrial(runId, retry);
    const rows = await store.query(`SELECT trial_id, status FROM trials WHERE config_hash = 'h-fail'`);
    assert.deepEqual(rows, [{ trial_id: retry.trialId, status: 'ok' }]);
    assert.equal((await store.query('SELECT count(*) AS n FROM metrics WHERE trial_id = $1', [failed.trialId]))[0]!.n, 0);
    assert.equal(await count(store, 'trials'), 3);
  } finally {
    await store.close();
  }
});

test('concurrent recordTrial calls each land whole', async () => {
  const store = await Store.open(path.join(tmp(), 'r.duckdb'));
  try {
    const runId = await store.beginRun(runMeta());
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.recordTrial(runId, trial({ seed: i }))));
    assert.equal(await count(store, 'trials'), 8);
    assert.equal(await count(store, 'curves'), 80);
  } finally {
    await store.close();
  }
});

test('reopening an existing file keeps its data and does not reload reported numbers', async () => {
  const file = path.join(tmp(), 'r.duckdb');
  let store = await Store.open(file);
  const runId = await store.beginRun(runMeta());
  await store.recordTrial(runId, trial({ configHash: 'keep-me' }));
  const reported = await count(store, 'reported');
  await store.close();

  store = await Store.open(file);
  try {
    assert.deepEqual([...(await store.finishedConfigHashes())], ['keep-me']);
    assert.equal(await count(store, 'reported'), reported);
    assert.equal(await count(store, 'runs'), 1);
  } finally {
    await store.close();
  }
  const ro = await Store.open(file, { readOnly: true });
  try {
    assert.equal(await count(ro, 'trials'), 1);
    await assert.rejects(ro.beginRun(runMeta()));
  } finally {
    await ro.close();
  }
});

test('a missing directory gives one sentence naming the path and creates nothing', async () => {
  const dir = tmp();
  const file = path.join(dir, 'no', 'such', 'r.duckdb');
  await assert.rejects(Store.open(file), (e: unknown) => {
    assert.ok(e instanceof StoreError);
    assert.ok(e.message.includes(file), e.message);
    assert.match(e.message, /does not exist\.$/);
    assert.equal(e.message.split(/[.;] /).length, 1, 'one sentence');
    return true;
  });
  assert.deepEqual(fs.readdirSync(dir), []);
  // Read-only on a missing file: also one sentence, nothing created.
  await assert.rejects(Store.open(path.join(dir, 'r.duckdb'), { readOnly: true }), /No results database at/);
  assert.deepEqual(fs.readdirSync(dir), []);
  // createDir is the opt-in for the default results/ folder.
  const store = await Store.open(file, { createDir: true });
  await store.close();
  assert.ok(fs.existsSync(file));
});

test('a file that is not DuckDB is refused with one sentence and left untouched', async () => {
  const dir = tmp();
  const file = path.join(dir, 'notes.duckdb');
  const content = 'these are my notes, not a database\n'.repeat(50);
  fs.writeFileSync(file, content);
  const before = fs.statSync(file).mtimeMs;
  await assert.rejects(Store.open(file), (e: unknown) =>
    e instanceof StoreError && e.message.includes(file) && /is not a DuckDB database/.test(e.message));
  assert.equal(fs.readFileSync(file, 'utf8'), content);
  assert.equal(fs.statSync(file).mtimeMs, before);
  assert.deepEqual(fs.readdirSync(dir), ['notes.duckdb']);   // no .wal or lock file left
});

test('a DuckDB file from another tool is refused and left untouched', async () => {
  const file = path.join(tmp(), 'other.duckdb');
  const inst = await DuckDBInstance.create(file);
  const conn = await inst.connect();
  await conn.run('CREATE TABLE mine (x INTEGER); INSERT INTO mine VALUES (42)');
  conn.closeSync();
  inst.closeSync();
  const bytes = fs.readFileSync(file);
  await assert.rejects(Store.open(file), /not an ftbench results store/);
  assert.ok(fs.readFileSync(file).equals(bytes));
});

test('a run killed mid-sweep loses at most the trial in flight', async () => {
  const dir = tmp();
  const file = path.join(dir, 'r.duckdb');
  const child = path.join(dir, 'writer.mts');
  const storeUrl = new URL('../harness/store/index.ts', import.meta.url).href;
  const fixturesUrl = new URL('../harness/store/testing.ts', import.meta.url).href;
  fs.writeFileSync(child, `
    import { Store } from '${storeUrl}';
    import { trial, runMeta } from '${fixturesUrl}';
    const store = await Store.open(${JSON.stringify(file)});
    const runId = await store.beginRun(runMeta());
    const big = Array.from({ length: 2000 }, (_, i) => ({ step: i, loss: 1, lr: 1 }));
    for (let i = 0; ; i++) {
      await store.recordTrial(runId, trial({ configHash: 'h' + i, curves: big }));
      if (i === 2) process.stdout.write('ready\\n');
    }
  `);
  const { spawn } = await import('node:child_process');
  const proc = spawn(process.execPath, ['--import', 'tsx', child], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    proc.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, 300));
  proc.kill('SIGKILL');
  await new Promise((r) => proc.once('exit', r));

  const store = await Store.open(file);
  try {
    const n = await count(store, 'trials');
    assert.ok(n >= 3, `expected at least 3 trials, found ${n}`);
    // Every stored trial is whole: all its curve and metric rows are there.
    const partial = await store.query(`
      SELECT t.trial_id FROM trials t
      LEFT JOIN (SELECT trial_id, count(*) AS c FROM curves GROUP BY 1) c USING (trial_id)
      LEFT JOIN (SELECT trial_id, count(*) AS m FROM metrics GROUP BY 1) m USING (trial_id)
      WHERE coalesce(c.c, 0) <> 2000 OR coalesce(m.m, 0) <> 3`);
    assert.deepEqual(partial, []);
    assert.equal(await count(store, 'curves'), n * 2000);
    // Resuming writes the remaining configs exactly once.
    const done = await store.finishedConfigHashes();
    const runId = await store.beginRun(runMeta());
    for (let i = 0; i < n + 3; i++) if (!done.has('h' + i)) await store.recordTrial(runId, trial({ configHash: 'h' + i }));
    const dupes = await store.query('SELECT config_hash FROM trials GROUP BY 1 HAVING count(*) > 1');
    assert.deepEqual(dupes, []);
    assert.equal(await count(store, 'trials'), n + 3);
  } finally {
    await store.close();
  }
});
