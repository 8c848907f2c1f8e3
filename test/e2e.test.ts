// End to end through the real CLI: a tiny suite into a real DuckDB file, a real HTML report, resume after SIGKILL, bad input.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../harness/store/index.js';
import { ROOT } from '../core/paths.js';

const CLI = path.join(ROOT, 'bin', 'ftbench.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-e2e-'));

function ftbench(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function suiteFile(name: string, techniques: string[], seeds: number[]): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(
    file,
    [
      `name: ${name}`,
      'models: [encoder-tiny]',
      'datasets: [spam]',
      `techniques: [${techniques.join(', ')}]`,
      `seeds: [${seeds.join(', ')}]`,
      'budget: { steps: 12, batch_size: 8, lr: 0.001, eval_every: 6, max_len: 48, train_examples: 96, eval_examples: 48 }',
    ].join('\n'),
  );
  return file;
}

async function rows(db: string, sql: string) {
  const s = await Store.open(db, { readOnly: true });
  try {
    return await s.query(sql);
  } finally {
    await s.close();
  }
}

describe('ftbench CLI end to end', () => {
  const db = path.join(dir, 'results.duckdb');
  const suite = suiteFile('tiny', ['full-ft', 'lora'], [0]);

  before(() => {
    // Pretraining the tiny base (cached afterwards) happens inside the first run.
    const r = ftbench('run', '--suite', suite, '--db', db, '--plain');
    assert.equal(r.code, 0, r.err);
  });

  it('stores every trial in DuckDB with its measurements', async () => {
    const trials = await rows(db, 'SELECT technique, status, trainable_params, total_params, head_params, peak_bytes, tokens_per_s FROM trials ORDER BY technique');
    assert.deepEqual(trials.map((t) => [t.technique, t.status]), [['full-ft', 'ok'], ['lora', 'ok']]);
    const [full, lora] = trials;
    assert.equal(full.trainable_params, full.total_params);
    assert.ok(Number(lora.trainable_params) < 0.05 * Number(full.trainable_params));
    // Both train the same new task head (d_model × 2 classes + 2 biases at least), recorded apart from the rest.
    assert.ok(Number(full.head_params) > 2 && full.head_params === lora.head_params, `head ${full.head_params} / ${lora.head_params}`);
    for (const t of trials) assert.ok(Number(t.peak_bytes) > 0 && Number(t.tokens_per_s) > 0);
    const metrics = await rows(db, "SELECT DISTINCT name, role, higher_is_better FROM metrics WHERE split = 'test' ORDER BY name");
    assert.ok(metrics.some((m) => m.name === 'f1' && m.role === 'primary' && m.higher_is_better === true), JSON.stringify(metrics));
    const run = await rows(db, 'SELECT backend, threads FROM runs');
    assert.ok(run.length === 1 && typeof run[0].backend === 'string' && Number(run[0].threads) >= 1);
  });

  it('skips finished trials on a re-run', async () => {
    const r = ftbench('run', '--suite', suite, '--db', db, '--plain');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /2 already in the database, 0 to run/);
    assert.equal((await rows(db, 'SELECT count(*) AS n FROM trials'))[0].n, 2);
  });

  it('writes a self-contained HTML report', () => {
    const out = path.join(dir, 'report');
    const r = ftbench('report', '--db', db, '--out', out);
    assert.equal(r.code, 0, r.err);
    const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    assert.match(html, /<svg/);
    assert.match(html, /lora/);
    assert.doesNotMatch(html, /(src|href)="https?:/);
  });

  it('finishes every trial exactly once after a SIGKILL mid-suite', async () => {
    const killDb = path.join(dir, 'killed.duckdb');
    const big = suiteFile('killed', ['full-ft', 'lora'], [0, 1]);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'run', '--suite', big, '--db', killDb, '--plain'], { cwd: ROOT });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        // Kill once a trial is stored and the next is training.
        if (/\[2\/4\][\s\S]*step/.test(out)) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`run ended without being killed:\n${out}`))));
    });
    const stored = Number((await rows(killDb, 'SELECT count(*) AS n FROM trials'))[0].n);
    assert.ok(stored >= 1 && stored < 4, `${stored} trials stored before the kill`);
    const r = ftbench('run', '--suite', big, '--db', killDb, '--plain');
    assert.equal(r.code, 0, r.err);
    const all = await rows(killDb, 'SELECT config_hash, count(*) AS n FROM trials GROUP BY config_hash');
    assert.equal(all.length, 4);
    assert.ok(all.every((x) => Number(x.n) === 1));
    // The killed run never finished: the next open marked it interrupted, and the report says so.
    assert.deepEqual((await rows(killDb, 'SELECT status, finished_at FROM runs ORDER BY started_at')).map((x) => [x.status, x.finished_at === null]), [['interrupted', true], ['finished', false]]);
    const md = ftbench('report', '--db', killDb, '--out', path.join(dir, 'killed-report'), '--format', 'md');
    assert.equal(md.code, 0, md.err);
    assert.match(fs.readFileSync(path.join(dir, 'killed-report', 'report.md'), 'utf8'), /\(interrupted: the process was killed or crashed\)/);
  });

  it('rejects bad input with one sentence and loses nothing', async () => {
    const before = Number((await rows(db, 'SELECT count(*) AS n FROM trials'))[0].n);
    const cases: [string[], RegExp][] = [
      [['run', '--suite', suiteFile('bad-tech', ['full-ft', 'lorra'], [0]), '--db', db], /Unknown technique "lorra". Did you mean "lora"\?/],
      [['run', '--suite', 'no-such-suite', '--db', db], /Suite "no-such-suite" is neither/],
      [['run', '--suite', suite, '--db', path.join(dir, 'missing-dir', 'x.duckdb')], /missing-dir/],
      [['report', '--db', path.join(dir, 'nope.duckdb'), '--out', path.join(dir, 'r2')], /nope\.duckdb/],
    ];
    const badField = path.join(dir, 'bad-field.yaml');
    fs.writeFileSync(badField, fs.readFileSync(suite, 'utf8').replace('seeds:', 'sedes:'));
    cases.push([['run', '--suite', badField, '--db', db], /bad-field\.yaml.*sedes/]);
    for (const [args, re] of cases) {
      const r = ftbench(...args);
      assert.equal(r.code, 1, `${args.join(' ')} should fail`);
      const lines = r.err.trim().split('\n');
      assert.equal(lines.length, 1, `expected one error line, got:\n${r.err}`);
      assert.match(lines[0], re);
    }
    assert.equal(Number((await rows(db, 'SELECT count(*) AS n FROM trials'))[0].n), before);
  });
});
