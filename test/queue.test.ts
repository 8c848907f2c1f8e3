// Queue mode and shards through the real CLI, a real redis-server and real DuckDB files: workers killed mid-trial, the
// writer killed mid-suite, Redis restarted mid-suite, a worker of another version, shard + merge against one process.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Store } from '../harness/store/index.js';
import { ROOT } from '../core/paths.js';
import { QUEUE_NAME } from '../harness/sweep/queue/protocol.js';
import { haveRedis, startRedis, type TestRedis } from './helpers/redis.js';

const CLI = path.join(ROOT, 'bin', 'ftbench.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-queue-'));
// Without the scheduler's variables of whatever runs the tests: the shard tests set them themselves.
const { JOB_COMPLETION_INDEX: _k8s, SLURM_ARRAY_TASK_ID: _slurm, SLURM_ARRAY_TASK_MIN: _min, ...parentEnv } = process.env;
const env = { ...parentEnv, FORCE_COLOR: '0', FTBENCH_THREADS: '1' };

function suiteFile(name: string, seeds: number[]): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, [
    `name: ${name}`,
    'models: [encoder-tiny]',
    'datasets: [spam]',
    'techniques: [full-ft, lora]',
    `seeds: [${seeds.join(', ')}]`,
    'budget: { steps: 12, batch_size: 8, lr: 0.001, eval_every: 12, max_len: 32, train_examples: 64, eval_examples: 32 }',
  ].join('\n'));
  return file;
}
const SUITE = suiteFile('queue-faults', [0, 1, 2, 3, 4, 5]); // 12 trials

interface Proc { p: ChildProcess; out: () => string; exited: Promise<number | null> }
function launch(...args: string[]): Proc {
  const p = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env });
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  return { p, out: () => out, exited: new Promise((r) => p.on('exit', (code) => r(code))) };
}
const writer = (url: string, db: string) => launch('run', '--suite', SUITE, '--db', db, '--queue', url, '--plain');
const worker = (url: string) => launch('worker', '--queue', url, '--lock', '3');
const stored = (w: Proc) => (w.out().match(/^ {2}ok /gm) ?? []).length;

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 240_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function trials(db: string) {
  const s = await Store.open(db, { readOnly: true });
  try {
    return await s.query('SELECT config_hash, status, technique, seed FROM trials ORDER BY config_hash');
  } finally {
    await s.close();
  }
}

/** Every one of the suite's trials exactly once, each ok. */
async function expectComplete(db: string, n = 12) {
  const rows = await trials(db);
  assert.equal(rows.length, n, `trials stored: ${rows.map((r) => `${r.technique}/${r.seed}`).join(' ')}`);
  assert.equal(new Set(rows.map((r) => r.config_hash)).size, n);
  assert.deepEqual([...new Set(rows.map((r) => r.status))], ['ok']);
  return rows;
}

describe('queue mode on BullMQ and Redis', { skip: haveRedis ? false : 'redis-server is not installed (scripts/setup.sh --dev installs it)' }, () => {
  const live: Proc[] = [];
  const redises: TestRedis[] = [];
  const redis = async (aof = false) => {
    const r = await startRedis({ aof });
    redises.push(r);
    return r;
  };
  const track = (p: Proc) => (live.push(p), p);
  after(async () => {
    for (const p of live) if (p.p.exitCode === null) p.p.kill('SIGKILL');
    for (const r of redises) await r.stop();
  });

  before(() => {
    // The tiny base is pretrained (or found cached) once here, not inside the timed fault scenarios.
    const r = spawnSync(process.execPath, [CLI, 'pretrain', '--model', 'encoder-tiny'], { cwd: ROOT, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('a worker killed mid-trial: its trial is re-run once by the other worker, and every trial is stored once', async () => {
    const r = await redis();
    const db = path.join(dir, 'workers.duckdb');
    const w = track(writer(r.url, db));
    const a = track(worker(r.url));
    const b = track(worker(r.url));
    const queue = new Queue(QUEUE_NAME, { connection: { url: r.url } });
    let killed = '';
    try {
      await until('worker A to be training a trial', async () => {
        const jobs = await queue.getActive();
        const mine = jobs.find((j) => j?.processedBy?.endsWith(`:${a.p.pid}`) && typeof j.progress === 'object' && (j.progress as { step: number }).step >= 1);
        if (mine) killed = mine.id!;
        return Boolean(mine);
      });
      a.p.kill('SIGKILL');
    } finally {
      await queue.close();
    }
    assert.equal(await w.exited, 0, w.out());
    await expectComplete(db);
    const runs = (p: Proc) => p.out().split('\n').filter((l) => l.includes(`(config ${killed}): ok`)).length;
    assert.equal(runs(a), 0, 'worker A was killed before it finished the trial');
    assert.equal(runs(b), 1, `worker B ran the killed trial once:\n${b.out()}`);
    b.p.kill('SIGTERM');
    await b.exited;
  });

  it('the writer killed mid-suite and started again: nothing lost, nothing stored twice', async () => {
    const r = await redis();
    const db = path.join(dir, 'writer.duckdb');
    const ws = [track(worker(r.url)), track(worker(r.url))];
    const w1 = track(writer(r.url, db));
    await until('the writer to store two trials', () => stored(w1) >= 2);
    w1.p.kill('SIGKILL');
    await w1.exited;
    // While no writer runs, the workers go on and their results wait in Redis.
    const queue = new Queue(QUEUE_NAME, { connection: { url: r.url } });
    try {
      await until('a result to wait in Redis', async () => (await queue.getJobCounts('completed')).completed >= 1);
    } finally {
      await queue.close();
    }
    const w2 = track(writer(r.url, db));
    assert.equal(await w2.exited, 0, w2.out());
    const before = Number(/plan: 12 trials, (\d+) already/.exec(w2.out())?.[1]);
    assert.ok(before >= 2, w2.out());
    await expectComplete(db);
    for (const x of ws) x.p.kill('SIGTERM');
    await Promise.all(ws.map((x) => x.exited));
  });

  it('Redis restarted mid-suite (append-only file on): the suite completes', async () => {
    const r = await redis(true);
    const db = path.join(dir, 'redis-restart.duckdb');
    const ws = [track(worker(r.url)), track(worker(r.url))];
    const w = track(writer(r.url, db));
    await until('the writer to store two trials', () => stored(w) >= 2);
    await r.restart();
    assert.equal(await w.exited, 0, w.out());
    await expectComplete(db);
    for (const x of ws) x.p.kill('SIGTERM');
    await Promise.all(ws.map((x) => x.exited));
  });

  it('a worker of another ftbench version says so in one sentence and leaves the job on the queue', async () => {
    const r = await redis();
    const queue = new Queue(QUEUE_NAME, { connection: { url: r.url } });
    try {
      await queue.add('other', { ftbench: '0.0.0-other', suiteName: 'other', suiteHash: 'x', suite: {}, index: 0, configHash: 'c0ffee', backend: 'wasm', label: 'lora' }, { jobId: 'c0ffee' });
      const w = track(worker(r.url));
      assert.equal(await w.exited, 1, w.out());
      const err = w.out().split('\n').filter((l) => l.startsWith('ftbench:'));
      assert.equal(err.length, 1, w.out());
      assert.match(err[0], /runs ftbench \S+ but suite other was queued by ftbench 0\.0\.0-other; the job was put back/);
      const job = (await queue.getJob('c0ffee'))!;
      assert.equal(await job.getState(), 'waiting');
      assert.equal(job.attemptsMade, 0);
    } finally {
      await queue.close();
    }
  });

  it('queue status counts trials per suite', async () => {
    const r = await redis();
    const queue = new Queue(QUEUE_NAME, { connection: { url: r.url } });
    try {
      for (const id of ['a1', 'a2']) await queue.add('suite-a', { ftbench: 'x' }, { jobId: id });
      await queue.add('suite-b', { ftbench: 'x' }, { jobId: 'b1' });
    } finally {
      await queue.close();
    }
    const s = spawnSync(process.execPath, [CLI, 'queue', 'status', '--queue', r.url], { cwd: ROOT, env, encoding: 'utf8' });
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, /suite-a\s+2\s+0\s+0\s+0\s+0/);
    assert.match(s.stdout, /suite-b\s+1\s+0\s+0\s+0\s+0/);
  });

  it('a Redis that does not answer is one sentence', () => {
    const s = spawnSync(process.execPath, [CLI, 'worker', '--queue', 'redis://127.0.0.1:1'], { cwd: ROOT, env, encoding: 'utf8' });
    assert.equal(s.status, 1);
    assert.match(s.stderr, /^ftbench: No Redis answers at redis:\/\/127\.0\.0\.1:1 .*fix --queue\.\n$/);
  });
});

describe('shards and merge', () => {
  const small = suiteFile('shards', [0, 1]);
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'run', '--suite', small, '--plain', ...args], { cwd: ROOT, env, encoding: 'utf8' });
  const merge = (...args: string[]) => spawnSync(process.execPath, [CLI, 'merge', ...args], { cwd: ROOT, env, encoding: 'utf8' });

  it('two shards (--shard auto, as an Indexed Job runs them) merged hold the same trials as one process', async () => {
    for (const k of ['0', '1']) {
      const r = spawnSync(process.execPath, [CLI, 'run', '--suite', small, '--plain', '--shard', 'auto', '--shards', '2', '--db', path.join(dir, 'shard-{shard}.duckdb')],
        { cwd: ROOT, env: { ...env, JOB_COMPLETION_INDEX: k }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    const one = path.join(dir, 'one.duckdb');
    assert.equal(run('--db', one).status, 0);
    const all = path.join(dir, 'all.duckdb');
    const shards = [path.join(dir, 'shard-0.duckdb'), path.join(dir, 'shard-1.duckdb')];
    for (const s of shards) assert.equal((await trials(s)).length, 2);
    const m1 = merge(...shards, '--db', all);
    assert.equal(m1.status, 0, m1.stderr);
    assert.match(m1.stdout, /now holds 4 trials/);
    assert.deepEqual((await trials(all)).map((t) => t.config_hash), (await trials(one)).map((t) => t.config_hash));
    // Idempotent: merging again adds nothing.
    const m2 = merge(...shards, '--db', all);
    assert.equal(m2.status, 0, m2.stderr);
    assert.match(m2.stdout, /2 trials, 0 added, 2 already stored alike/);
    assert.equal((await trials(all)).length, 4);
    // A file with one of those trials stored with different results: reported, the stored row kept, exit code 2.
    const other = path.join(dir, 'other.duckdb');
    fs.copyFileSync(shards[0], other);
    const s = await Store.open(other);
    const [victim] = await s.query("SELECT trial_id, config_hash FROM trials LIMIT 1");
    await s.query("UPDATE metrics SET value = value + 0.5 WHERE trial_id = $1 AND role = 'primary'", [victim.trial_id]);
    await s.close();
    const m3 = merge(other, '--db', all);
    assert.equal(m3.status, 2, m3.stderr);
    assert.match(m3.stdout, new RegExp(`conflict: .* \\(config ${victim.config_hash}\\) is stored with different metrics`));
    assert.equal((await trials(all)).length, 4);
  });

  it('--shard auto without an index, or out of range, is one sentence', () => {
    const r = run('--shard', 'auto', '--shards', '2', '--db', path.join(dir, 'x.duckdb'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^ftbench: --shard auto reads JOB_COMPLETION_INDEX .* pass --shard k\/n instead\.\n$/);
    const s = spawnSync(process.execPath, [CLI, 'run', '--suite', small, '--shard', 'auto', '--shards', '2'],
      { cwd: ROOT, env: { ...env, SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1' }, encoding: 'utf8' });
    assert.match(s.stderr, /^ftbench: SLURM_ARRAY_TASK_ID=3 gives shard 2, outside 0…1 for --shards 2\.\n$/);
  });
});
