// ftbench query / export / import: an export imported into an empty store gives identical query results, in every format; importing twice changes nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Store } from '../harness/store/index.js';
import { runMeta, trial } from '../harness/store/testing.js';
import { EXPORT_FORMATS, TABLES, exportStore, importInto } from '../harness/store/exchange.js';
import { formatRows, runQuery } from '../cli/query.js';
import { ROOT } from '../core/paths.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-exchange-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const db = (name: string) => path.join(tmp, `${name}.duckdb`);

/** Two runs, with the awkward values: NULL meters, NaN/Inf losses, quotes, commas and newlines, µs timestamps. */
async function fillSource(file: string): Promise<void> {
  const s = await Store.open(file);
  const r1 = await s.beginRun(runMeta({ suite: 'a, "quoted" suite' }));
  await s.recordTrial(r1, trial({ configHash: 'h-ok-1' }));
  await s.recordTrial(r1, trial({
    configHash: 'h-failed', technique: 'dora', status: 'failed', error: 'loss became NaN at step 3,\n"see" log',
    tokensPerS: NaN, peakBytes: NaN, curves: [{ step: 1, loss: 0.7, lr: 1e-3 }, { step: 2, loss: NaN, lr: 1e-3 }, { step: 3, loss: Infinity, lr: 1e-3 }],
  }));
  await s.finishRun(r1);
  const r2 = await s.beginRun(runMeta({ host: 'other', startedAt: new Date('2025-02-03T04:05:06.789Z') }));
  await s.recordTrial(r2, trial({ configHash: 'h-ok-2', seed: 1, dataset: 'sotu', predictions: [] }));
  await s.recordTrial(r2, trial({ configHash: 'h-skip', status: 'skipped', error: 'decoder only', metrics: [], curves: [], predictions: [] }));
  // A sub-millisecond timestamp, which Arrow must carry exactly.
  await s.query(`UPDATE runs SET finished_at = TIMESTAMP '2025-02-03 05:06:07.123456', status = 'finished' WHERE run_id = $1`, [r2]);
  await s.close();
}

function sameTables(got: Record<string, string>, want: Record<string, string>): void {
  for (const t of TABLES) assert.ok(got[t] === want[t], `table ${t} differs from the source's`);
}

/** Every table in a canonical order, as text (so NaN, NULL and timestamps compare exactly). */
async function dump(file: string): Promise<Record<string, string>> {
  const s = await Store.open(file, { readOnly: true });
  try {
    const out: Record<string, string> = {};
    // Every value as DuckDB's own text: exact doubles, NaN, and timestamps to the microsecond (a JS Date stops at ms).
    for (const t of TABLES) out[t] = JSON.stringify(await s.query(`SELECT COLUMNS(*)::VARCHAR FROM ${t} ORDER BY ALL`));
    return out;
  } finally {
    await s.close();
  }
}

async function withStore<T>(file: string, fn: (s: Store) => Promise<T>, readOnly = false): Promise<T> {
  const s = await Store.open(file, { readOnly });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

describe('export and import', () => {
  let source: Record<string, string>;
  before(async () => {
    await fillSource(db('source'));
    source = await dump(db('source'));
  });

  for (const format of EXPORT_FORMATS) {
    it(`${format}: an empty store that imports the export answers every query like the source; a second import changes nothing`, async () => {
      const dir = path.join(tmp, `export-${format}`);
      const manifest = await withStore(db('source'), (s) => exportStore(s, dir, format), true);
      assert.deepEqual(manifest.tables.map((t) => [t.name, t.rows]).filter(([n]) => n === 'trials' || n === 'runs'), [['runs', 2], ['trials', 4]]);
      for (const t of manifest.tables) assert.ok(fs.existsSync(path.join(dir, t.file)), t.file);

      const target = db(`target-${format}`);
      const first = await withStore(target, (s) => importInto(s, dir));
      assert.deepEqual(first.runs, { added: 2, existing: 0 });
      assert.equal(first.trials.added, 4);
      assert.deepEqual(first.trials.skipped, []);
      sameTables(await dump(target), source);
      const q = 'SELECT technique, status, avg(value) AS v FROM trials JOIN metrics USING (trial_id) GROUP BY ALL ORDER BY ALL';
      assert.equal(await runQuery(target, q, 'csv'), await runQuery(db('source'), q, 'csv'));

      const second = await withStore(target, (s) => importInto(s, dir));
      assert.deepEqual(second.runs, { added: 0, existing: 2 });
      assert.equal(second.trials.added, 0);
      assert.deepEqual(second.trials.skipped.map((t) => t.configHash).sort(), ['h-failed', 'h-ok-1', 'h-ok-2', 'h-skip']);
      sameTables(await dump(target), source);
    });
  }

  it('merges into a store that has other trials, skipping configs it already holds', async () => {
    const dir = path.join(tmp, 'export-parquet');
    const target = db('merge');
    let ownRun = '';
    await withStore(target, async (s) => {
      ownRun = await s.beginRun(runMeta({ host: 'third' }));
      await s.recordTrial(ownRun, trial({ configHash: 'h-ok-2', technique: 'lora', seed: 9 })); // same config, other machine
      await s.recordTrial(ownRun, trial({ configHash: 'h-mine' }));
    });
    const r = await withStore(target, (s) => importInto(s, dir));
    assert.equal(r.trials.added, 3);
    assert.deepEqual(r.trials.skipped.map((t) => t.configHash), ['h-ok-2']);
    const rows = await withStore(target, (s) => s.query('SELECT config_hash, seed FROM trials ORDER BY config_hash'), true);
    assert.deepEqual(rows, [
      { config_hash: 'h-failed', seed: 0 }, { config_hash: 'h-mine', seed: 0 }, { config_hash: 'h-ok-1', seed: 0 },
      { config_hash: 'h-ok-2', seed: 9 }, { config_hash: 'h-skip', seed: 0 },
    ]);
    // The skipped trial's rows did not come along: the kept h-ok-2 has only its own curve.
    const [{ n }] = await withStore(target, (s) => s.query(`SELECT count(*)::INTEGER AS n FROM curves JOIN trials USING (trial_id) WHERE config_hash = 'h-ok-2'`), true);
    assert.equal(n, 10);
  });

  it('refuses a directory that is not an export, in one sentence, changing nothing', async () => {
    const target = db('target-parquet');
    const before = await dump(target);
    await assert.rejects(withStore(target, (s) => importInto(s, tmp)), /is not an ftbench export: it has no ftbench-export\.json/);
    sameTables(await dump(target), before);
  });

  it('rolls back an import whose files are damaged', async () => {
    const dir = path.join(tmp, 'broken');
    fs.cpSync(path.join(tmp, 'export-csv'), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'curves.csv'), 'trial_id,step,loss,lr\nx,not-a-number,1,1\n');
    const target = db('merge'); // holds trials of its own
    const before = await dump(target);
    await assert.rejects(withStore(target, (s) => importInto(s, dir)));
    sameTables(await dump(target), before);
  });
});

describe('ftbench query', () => {
  it('formats rows as an aligned table, CSV with quoting, and JSON', () => {
    const rows = [{ id: 'a', n: 12, note: 'x, "y"' }, { id: 'bb', n: 3, note: null }];
    const cols = ['id', 'n', 'note'];
    assert.equal(formatRows(rows, cols, 'csv'), 'id,n,note\na,12,"x, ""y"""\nbb,3,');
    assert.equal(formatRows(rows, cols, 'table'), 'id   n  note\n──  ──  ──────\na   12  x, "y"\nbb   3  NULL\n(2 rows)');
    assert.deepEqual(JSON.parse(formatRows(rows, cols, 'json')), rows);
  });

  it('runs from the command line, read-only, with column names even for no rows; a bad query is one sentence', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/ftbench.js'), ...args], { encoding: 'utf8' });
    const ok = run('query', "SELECT technique, seed FROM trials WHERE config_hash = 'h-ok-2'", '--db', db('source'), '--format', 'json');
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), [{ technique: 'lora', seed: 1 }]);
    const empty = run('query', 'SELECT run_id, host FROM runs WHERE false', '--db', db('source'), '--format', 'csv');
    assert.equal(empty.stdout, 'run_id,host\n');
    const bad = run('query', 'DELETE FROM trials', '--db', db('source'));
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^ftbench: The query failed because ftbench query only reads the results database \(it refuses DELETE and anything else that writes, attaches, installs or loads\); to write files use ftbench export\.$/m);
  });

  it('cannot write, replace, attach, install or load anything from a query; an empty query is a usage error', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/ftbench.js'), ...args], { encoding: 'utf8' });
    const file = db('source');
    const sha = () => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const before = sha();
    const elsewhere = path.join(path.dirname(file), 'leak.csv');
    for (const sql of [
      `COPY (SELECT 1 AS x) TO '${file}' (FORMAT csv)`,
      `COPY trials TO '${elsewhere}'`,
      `ATTACH '${path.join(path.dirname(file), 'other.duckdb')}' AS other`,
      'INSTALL httpfs',
      'LOAD parquet',
      'SET enable_external_access = true',
      `SELECT * FROM read_csv('${file}')`,
    ]) {
      const r = run('query', sql, '--db', file);
      assert.equal(r.status, 1, `${sql} should be refused:\n${r.stdout}`);
      assert.match(r.stderr, /^ftbench: The query failed/, sql);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.equal(sha(), before, 'the database file is unchanged');
    assert.ok(!fs.existsSync(elsewhere));
    for (const sql of ['', '  ;  ', '/* nothing */']) {
      const r = run('query', sql, '--db', file);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^ftbench: ftbench query needs SQL to run, e\.g\./);
    }
  });
});
