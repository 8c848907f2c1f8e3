// Queue-mode throughput: a 12-trial suite through `ftbench run --queue` with 1 worker, then with 2, every worker at
// FTBENCH_THREADS=1; wall time from the writer's start to its exit, rounds interleaved, load average printed beside.
//   npx tsx bench/queue.ts [--rounds 2] [--steps 60]      (needs redis-server; the bar: 2 workers ≤ 0.6× one)
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../core/paths.js';
import { haveRedis, startRedis } from '../test/helpers/redis.js';

const args = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const rounds = num('rounds', 2);
const steps = num('steps', 60);
if (!haveRedis) throw new Error('bench/queue.ts needs redis-server (scripts/setup.sh --dev installs it).');

const CLI = path.join(ROOT, 'bin', 'ftbench.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-bench-queue-'));
const suite = path.join(dir, 'bench.yaml');
fs.writeFileSync(suite, [
  'name: queue-bench',
  'models: [encoder-tiny]',
  'datasets: [spam]',
  'techniques: [full-ft, lora, bitfit]',
  'seeds: [0, 1, 2, 3]',
  `budget: { steps: ${steps}, batch_size: 16, lr: 0.001, eval_every: ${steps}, max_len: 64, train_examples: 320, eval_examples: 100 }`,
].join('\n'));
const env = { ...process.env, FORCE_COLOR: '0', FTBENCH_THREADS: '1' };
const start = (...a: string[]): ChildProcess => spawn(process.execPath, [CLI, ...a], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
const exit = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.on('exit', r)));
const load = () => os.loadavg()[0].toFixed(1);

async function once(workers: number, round: number): Promise<number> {
  const redis = await startRedis();
  const ws = Array.from({ length: workers }, () => start('worker', '--queue', redis.url));
  await new Promise((r) => setTimeout(r, 3000)); // workers connect (and load their code) before the clock starts
  const t0 = performance.now();
  const w = start('run', '--suite', suite, '--db', path.join(dir, `r${round}-w${workers}.duckdb`), '--queue', redis.url, '--plain');
  if ((await exit(w)) !== 0) throw new Error('the writer failed');
  const s = (performance.now() - t0) / 1000;
  for (const x of ws) x.kill('SIGTERM');
  await Promise.all(ws.map(exit));
  await redis.stop();
  return s;
}

const ftb = spawn(process.execPath, [CLI, 'pretrain', '--model', 'encoder-tiny'], { cwd: ROOT, env, stdio: 'ignore' });
await exit(ftb);

// The machine's own ceiling: the same 12 trials as two plain 6-trial processes side by side (no queue, no Redis)
// against one process running all 12. On a machine whose two vCPUs share one core's vector units the ratio stays
// near 1 whatever the queue does, so the queue's figure is read against this one.
async function plain(parts: number, round: number): Promise<number> {
  const t0 = performance.now();
  const ps = Array.from({ length: parts }, (_, k) =>
    start('run', '--suite', suite, '--db', path.join(dir, `p${round}-${parts}-${k}.duckdb`), '--plain', '--shard', `${k}/${parts}`));
  for (const p of ps) if ((await exit(p)) !== 0) throw new Error('a plain run failed');
  return (performance.now() - t0) / 1000;
}
console.log(`12 trials (encoder-tiny/spam, ${steps} steps each), FTBENCH_THREADS=1, ${os.cpus().length} cores`);
const one: number[] = [], two: number[] = [], ceil: number[] = [];
for (let r = 0; r < rounds; r++) {
  const l1 = load();
  one.push(await once(1, r));
  const l2 = load();
  two.push(await once(2, r));
  ceil.push((await plain(2, r)) / (await plain(1, r)));
  console.log(`round ${r + 1}: plain processes 2 vs 1: ratio ${ceil[r].toFixed(2)} (the machine's ceiling)`);
  console.log(`round ${r + 1}: 1 worker ${one[r].toFixed(1)} s (load ${l1}), 2 workers ${two[r].toFixed(1)} s (load ${l2}), ratio ${(two[r] / one[r]).toFixed(2)}`);
}
const med = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];
console.log(`median: 1 worker ${med(one).toFixed(1)} s, 2 workers ${med(two).toFixed(1)} s, ratio ${(med(two) / med(one)).toFixed(2)} (bar ≤ 0.60; this machine's ceiling ${med(ceil).toFixed(2)}); load now ${load()}`);
fs.rmSync(dir, { recursive: true, force: true });
