// A store or an export written before a schema change still opens, reports and imports: nothing stored is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { Store } from '../harness/store/index.js';
import { EXPORT_FORMATS, exportStore, importInto } from '../harness/store/exchange.js';
import { SCHEMA_VERSION } from '../harness/store/schema.js';
import { runMeta, trial } from '../harness/store/testing.js';
import { loadReportData } from '../reports/load.js';
import { collate } from '../reports/tables.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-migrate-'));

/** Rewinds a store file to schema version 1, as the first ftbench wrote it (no head_params). */
async function makeVersion1(file: string): Promise<void> {
  const db = await DuckDBInstance.create(file);
  const c = await db.connect();
  await c.run(`ALTER TABLE trials DROP COLUMN head_params`);
  await c.run(`UPDATE store_meta SET value = '1' WHERE key = 'schema_version'`);
  c.closeSync();
}

async function withStore<T>(file: string, fn: (s: Store) => Promise<T>, readOnly = false): Promise<T> {
  const s = await Store.open(file, { readOnly });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

test('a version-1 store reports read-only, then opens for writing with head_params added and its trials kept', async () => {
  const file = path.join(tmp(), 'old.duckdb');
  const old = trial({ trainableParams: 10_130, totalParams: 1_000_130, headParams: 130 });
  await withStore(file, async (s) => s.recordTrial(await s.beginRun(runMeta()), old));
  await makeVersion1(file);

  // Read-only: the report counts the head in, as stores of that version did.
  const res = await withStore(file, (s) => loadReportData(s), true);
  assert.equal(res.trials[0]!.headParams, null);
  const row = collate(res.trials)[0]!.groups.flatMap((g) => g.rows)[0]!;
  assert.ok(Math.abs(row.backbonePct! - 100 * 10_130 / 1_000_130) < 1e-9);

  await withStore(file, async (s) => {
    const [meta] = await s.query(`SELECT value FROM store_meta WHERE key = 'schema_version'`);
    assert.equal(meta!.value, String(SCHEMA_VERSION));
    const [kept] = await s.query(`SELECT trainable_params, head_params FROM trials WHERE trial_id = $1`, [old.trialId]);
    assert.deepEqual(kept, { trainable_params: 10_130, head_params: null });
    const fresh = trial({ trainableParams: 10_130, totalParams: 1_000_130, headParams: 130, configHash: 'fresh' });
    await s.recordTrial(await s.beginRun(runMeta()), fresh);
    const [now] = await s.query(`SELECT head_params FROM trials WHERE trial_id = $1`, [fresh.trialId]);
    assert.equal(now!.head_params, 130);
  });
  // With the head recorded, the share is of the backbone: (10130 - 130) / (1000130 - 130).
  const res2 = await withStore(file, (s) => loadReportData(s), true);
  assert.deepEqual(res2.trials.map((t) => t.headParams).sort(), [130, null]);
  const fresh = collate(res2.trials.filter((t) => t.headParams != null))[0]!.groups[0]!.rows[0]!;
  assert.ok(Math.abs(fresh.backbonePct! - 100 * 10_000 / 1_000_000) < 1e-9);
});

/** Turns an export into one an ftbench of schema version 1 would have written: no head_params, manifest version 1. */
async function rewindExport(dir: string): Promise<void> {
  const manifestFile = path.join(dir, 'ftbench-export.json');
  const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const file = path.join(dir, m.tables.find((t: { name: string }) => t.name === 'trials').file);
  if (m.format === 'arrow') {
    const t = tableFromIPC(fs.readFileSync(file));
    fs.writeFileSync(file, tableToIPC(t.select(t.schema.fields.map((f) => f.name).filter((n) => n !== 'head_params')), 'file'));
  } else {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const opts = m.format === 'parquet' ? 'FORMAT parquet' : 'FORMAT csv, HEADER true';
    const read = m.format === 'parquet' ? `read_parquet('${file}')` : `read_csv('${file}', header = true, all_varchar = true)`;
    await c.run(`COPY (SELECT * EXCLUDE (head_params) FROM ${read}) TO '${file}.old' (${opts})`);
    c.closeSync();
    fs.renameSync(`${file}.old`, file);
  }
  fs.writeFileSync(manifestFile, JSON.stringify({ ...m, schemaVersion: 1 }));
}

for (const format of EXPORT_FORMATS) {
  test(`an export written by a version-1 store imports (${format}) with head_params NULL`, async () => {
    const dir = tmp();
    const source = path.join(dir, 'source.duckdb');
    const t = trial();
    await withStore(source, async (s) => s.recordTrial(await s.beginRun(runMeta()), t));
    const out = path.join(dir, 'export');
    await withStore(source, (s) => exportStore(s, out, format), true);
    await rewindExport(out);

    const target = path.join(dir, 'target.duckdb');
    const report = await withStore(target, (s) => importInto(s, out));
    assert.equal(report.trials.added, 1);
    const rows = await withStore(target, (s) => s.query(`SELECT trial_id, trainable_params, head_params FROM trials`), true);
    assert.deepEqual(rows, [{ trial_id: t.trialId, trainable_params: t.trainableParams, head_params: null }]);
    const [m] = await withStore(target, (s) => s.query(`SELECT count(*)::INTEGER AS n FROM metrics`), true);
    assert.equal(m!.n, t.metrics.length);
  });
}
