// A store or an export written before a schema change still opens, reports and imports: nothing stored is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { Store } from '../harness/store/index.js';
import { EXPORT_FORMATS, exportStore, importInto } from '../harness/store/exchange.js';
import { SCHEMA_VERSION } from '../harness/store/schema.js';
import { runMeta, trial } from '../harness/store/testing.js';
import { metricRow } from '../harness/eval/rows.js';
import { loadReportData } from '../reports/load.js';
import { collate } from '../reports/tables.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-migrate-'));

// How schema 2 and earlier named metric rows: the role inside the name.
const OLD_NAME = `CASE role WHEN 'primary' THEN 'primary:' || name WHEN 'baseline' THEN 'baseline:' || name
  ELSE CASE WHEN context IS NOT NULL THEN 'ppl@' || context ELSE name END END`;

/** Rewinds a store file to schema version 2 (roles in metric names), or 1 (also no head_params). */
async function rewindStore(file: string, version: 1 | 2): Promise<void> {
  const db = await DuckDBInstance.create(file);
  const c = await db.connect();
  await c.run(`UPDATE metrics SET name = ${OLD_NAME}`);
  for (const col of ['role', 'higher_is_better', 'context']) await c.run(`ALTER TABLE metrics DROP COLUMN ${col}`);
  if (version === 1) await c.run(`ALTER TABLE trials DROP COLUMN head_params`);
  await c.run(`UPDATE store_meta SET value = '${version}' WHERE key = 'schema_version'`);
  c.closeSync();
}
const makeVersion1 = (file: string) => rewindStore(file, 1);

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

/**
 * Turns an export into one an ftbench of schema version 1 would have written: no head_params, metric roles in their
 * names, no runs.status/stop_reason (schema 4), manifest version 1.
 */
async function rewindExport(dir: string): Promise<void> {
  const manifestFile = path.join(dir, 'ftbench-export.json');
  const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const fileOf = (name: string) => path.join(dir, m.tables.find((t: { name: string }) => t.name === name).file);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  for (const [table, select] of [['trials', '* EXCLUDE (head_params)'], ['runs', '* EXCLUDE (status, stop_reason)'], ['metrics', `trial_id, split, step, ${OLD_NAME} AS name, value`]]) {
    const file = fileOf(table);
    if (m.format === 'arrow') {
      const t = tableFromIPC(fs.readFileSync(file));
      const vec = (n: string) => t.getChild(n)!;
      const cols: Record<string, Vector> = {};
      if (table !== 'metrics') for (const f of t.schema.fields) { if (!(table === 'trials' ? ['head_params'] : ['status', 'stop_reason']).includes(f.name)) cols[f.name] = vec(f.name); }
      else {
        for (const n of ['trial_id', 'split', 'step']) cols[n] = vec(n);
        const old = Array.from({ length: t.numRows }, (_, i) => {
          const [role, name, ctx] = [vec('role').get(i), vec('name').get(i), vec('context').get(i)];
          return role === 'primary' || role === 'baseline' ? `${role}:${name}` : ctx != null ? `ppl@${ctx}` : name;
        });
        cols.name = vectorFromArray(old, new Utf8());
        cols.value = vec('value');
      }
      fs.writeFileSync(file, tableToIPC(new Table(cols), 'file'));
    } else {
      const opts = m.format === 'parquet' ? 'FORMAT parquet' : 'FORMAT csv, HEADER true';
      const read = m.format === 'parquet' ? `read_parquet('${file}')` : `read_csv('${file}', header = true, all_varchar = true)`;
      await c.run(`COPY (SELECT ${select} FROM ${read}) TO '${file}.old' (${opts})`);
      fs.renameSync(`${file}.old`, file);
    }
  }
  c.closeSync();
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
    // The old names are read back into roles: the same rows the trial was recorded with.
    const got = await withStore(target, (s) => s.query(`SELECT split, step, name, role, higher_is_better, context FROM metrics ORDER BY split, name, role`), true);
    const want = t.metrics.map((r) => ({ split: r.split, step: r.step, name: r.name, role: r.role, higher_is_better: r.higherIsBetter, context: r.context ?? null }))
      .sort((a, b) => `${a.split} ${a.name} ${a.role}`.localeCompare(`${b.split} ${b.name} ${b.role}`));
    assert.deepEqual(got, want);
  });
}

test('a version-2 store (roles in metric names) reports read-only, and opening it gives every row its role and direction', async () => {
  const file = path.join(tmp(), 'v2.duckdb');
  const t = trial({
    metrics: [
      metricRow('test', 10, 'accuracy', 0.9, 'primary'), metricRow('test', 0, 'accuracy', 0.5, 'baseline'),
      metricRow('dev', 5, 'accuracy', 0.8, 'score'), metricRow('heldout', 10, 'perplexity', 31, 'heldout', 128),
      metricRow('heldout', 10, 'forgetting', 0.1, 'heldout'), metricRow('technique', 10, 'util.layer0.expert1', 0.4, 'technique'),
    ],
  });
  await withStore(file, async (s) => s.recordTrial(await s.beginRun(runMeta()), t));
  await rewindStore(file, 2);
  const names = await withStore(file, (s) => s.query(`SELECT name FROM metrics ORDER BY name`), true);
  assert.ok(names.some((r) => r.name === 'primary:accuracy') && names.some((r) => r.name === 'ppl@128'), 'rewound to old names');

  const ro = await withStore(file, (s) => loadReportData(s), true);
  assert.deepEqual(ro.trials[0]!.primary, { metric: 'accuracy', value: 0.9, higherIsBetter: null });
  assert.deepEqual(ro.trials[0]!.baselines.map((b) => [b.metric, b.value]), [['accuracy', 0.5]]);
  assert.deepEqual(ro.extras.map((e) => [e.name, e.context]).sort(), [['perplexity', 128], ['util.layer0.expert1', null]]);

  const rows = await withStore(file, (s) => s.query(`SELECT split, step, name, value, role, higher_is_better, context FROM metrics ORDER BY rowid`));
  assert.deepEqual(rows, t.metrics.map((r) => ({ split: r.split, step: r.step, name: r.name, value: r.value, role: r.role, higher_is_better: r.higherIsBetter, context: r.context ?? null })));
  const rw = await withStore(file, (s) => loadReportData(s), true);
  assert.deepEqual(rw.trials[0]!.primary, { metric: 'accuracy', value: 0.9, higherIsBetter: true });
});
