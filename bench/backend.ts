// `npm run bench [-- --size small|base|base-512|1b]`: a training step of that size (bench/step.ts's table) on ftbench's
// default backend, plain tfjs `cpu` (small only) and a PyTorch twin, interleaved; medians, ratios, GEMM GFLOP/s and
// peak RSS. `--json` prints one object (`{size}.{kind}.{ftbench_ms, pytorch_ms, ftbench_rss_mb, ...}`) instead.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';
import { initBackend, threadCount, type BackendChoice } from '../harness/backend/index.js';
import { gemmGflops } from './gemm.js';
import { Subject } from './subject.js';
import { benchSize, type StepKind } from './step.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const num = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const str = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const json = flag('json');
const sizeName = str('size', 'small');
const size = benchSize(sizeName);
const backend = str('backend', 'auto'); // ftbench's subject: the default backend, or e.g. `wasm` to compare
const rounds = num('rounds', size.rounds); // interleaved rounds; each times `iters` steps of every fast subject
// Back-to-back steps per turn (ten at `small`).
const iters = num('iters', size.iters);
// Untimed steps at the start of every turn. After seconds idle (while the other subjects ran) a subject's steps run
// slowly for the next few hundred ms on this VM (LoRA after 8 s idle: 46, 33, 45, 33, 38 ms, then 28-30, against
// 27-29 stepping continuously; not GC, not bytecode flushing: the host clocking an idle vCPU down is the likely
// cause). A training run never idles, so each turn first steps a while, the same for every fast subject. 20 steps
// (~0.5 s for ftbench, ~2.5 s for PyTorch): with 5 (~150 ms) ftbench's LoRA step read 30.7 and 32.4 ms in two runs,
// against 25.0 with 20 and 21-25 ms stepping continuously (2026-11-29, with the kernel pack's worker pool). Sizes
// whose step takes seconds need far fewer.
const warm = num('warm', size.warm);
// One per round (3–13 s each at `small`), so every subject samples the same stretch of time; none beyond `small`.
const cpuSteps = size.tfjsCpu ? num('cpu-steps', rounds) : 0;
const kinds: StepKind[] = size.kinds;
const threads = threadCount();
const here = path.dirname(fileURLToPath(import.meta.url));
const log = (s: string) => { if (!json) process.stderr.write(s + '\n'); };
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** First python with torch importable: FTBENCH_PYTHON, then python3 on PATH, then the system one (Debian's python3-torch). */
function findTorchPython(): string | null {
  if (flag('no-torch')) return null;
  for (const py of [process.env.FTBENCH_PYTHON, 'python3', '/usr/bin/python3']) {
    if (py && spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return py;
  }
  return null;
}

const loadStart = os.loadavg()[0];
const info = await initBackend(backend as BackendChoice);
log(`backend ${info.name} (${info.kernelPack}), BLAS ${info.blas ?? 'none'}, ${info.threads} threads`);
const gemm512 = gemmGflops(512), gemm1024 = gemmGflops(1024);
log(`GEMM ${gemm512.toFixed(1)} GFLOP/s at 512³, ${gemm1024.toFixed(1)} at 1024³`);

const env = { ...process.env, FTBENCH_THREADS: String(threads) };
const nodeArgs = (choice: string, kind: StepKind) => ['--import', 'tsx', path.join(here, 'worker.ts'), choice, kind, sizeName];
const python = findTorchPython();
const subjects = kinds.map((kind) => ({
  kind,
  ftbench: new Subject(`ftbench ${kind}`, process.execPath, nodeArgs(backend, kind), env),
  cpu: flag('no-cpu') || cpuSteps <= 0 ? null : new Subject(`tfjs-cpu ${kind}`, process.execPath, nodeArgs('cpu', kind), env),
  torch: python ? new Subject(`pytorch ${kind}`, python, [path.join(here, 'torch_twin.py'), kind, String(threads), sizeName], env) : null,
  times: { ftbench: [] as number[], cpu: [] as number[], torch: [] as number[] },
}));
const torchInfo = subjects[0].torch ? await subjects[0].torch.ask<{ torch: string; blas: string; libblas: string | null; threads: number; frozen_base?: string }>('info') : null;
if (torchInfo) log(`pytorch ${torchInfo.torch}, BLAS ${torchInfo.blas} (${torchInfo.libblas}), ${torchInfo.threads} threads${torchInfo.frozen_base ? `; frozen base in ${torchInfo.frozen_base}` : ''}`);
else log('pytorch: not found (python3 -c "import torch" failed); its column stays empty');
if (torchInfo && !/openblas/i.test(torchInfo.blas)) log('WARNING: the PyTorch twin does not use OpenBLAS, so its times are not a fair reference.');

// Warm-up: heap growth, first-use allocations, BLAS thread start (one step where a step takes seconds).
// A size with warm 0 (`1b`: a step takes minutes) skips it: its one timed step per round includes the first use.
const first = warm === 0 ? 0 : Math.max(1, Math.min(3, warm));
for (const s of subjects) {
  if (first === 0) break;
  await s.ftbench.run(first);
  if (s.torch) await s.torch.run(first);
  if (s.cpu) await s.cpu.run(1);
}
// Interleaved: every round gives each subject the same machine conditions. The pauses let the previous subject's
// spinning threads (OpenBLAS, and PyTorch's OpenMP pool, which spins ~200 ms by default) go to sleep first.
const SETTLE_MS = num('settle-ms', 300);
const CPU_SETTLE_MS = num('cpu-settle-ms', 2000);
for (let r = 0; r < rounds; r++) {
  for (const s of subjects) {
    s.times.ftbench.push(...(await s.ftbench.run(iters, warm)));
    await pause(SETTLE_MS);
    if (s.torch) { s.times.torch.push(...(await s.torch.run(iters, warm))); await pause(SETTLE_MS); }
    // The cpu subject leaves seconds of garbage behind: its collector runs on after the step returns.
    if (s.cpu && r < cpuSteps) { s.times.cpu.push(...(await s.cpu.run(1))); await pause(CPU_SETTLE_MS); }
  }
  log(`round ${r + 1}/${rounds} done`);
}

const result: Record<string, unknown> = {
  // Other processes on the machine skew every subject, multi-threaded ones most: report how busy it was.
  load_avg_1m: { start: round(loadStart, 2), end: round(os.loadavg()[0], 2) }, cpus: os.availableParallelism(),
  backend: info.name, kernel_pack: info.kernelPack, blas: info.blas, threads: info.threads,
  gemm_gflops_512: round(gemm512), gemm_gflops_1024: round(gemm1024),
  pytorch: torchInfo, size: sizeName,
};
const bySize: Record<string, unknown> = {};
result[sizeName] = bySize;
for (const s of subjects) {
  const ft = median(s.times.ftbench), cpu = s.times.cpu.length ? median(s.times.cpu) : null, pt = s.times.torch.length ? median(s.times.torch) : null;
  const [ftRss, cpuRss, ptRss] = [await s.ftbench.quit(), s.cpu ? await s.cpu.quit() : null, s.torch ? await s.torch.quit() : null];
  bySize[s.kind] = {
    ftbench_ms: round(ft), tfjs_cpu_ms: round(cpu), pytorch_ms: round(pt),
    ratio_vs_pytorch: pt ? round(ft / pt, 3) : null, ratio_vs_tfjs_cpu: cpu ? round(cpu / ft, 1) : null,
    ftbench_rss_mb: round(ftRss), tfjs_cpu_rss_mb: round(cpuRss), pytorch_rss_mb: round(ptRss),
    samples: { ftbench: s.times.ftbench.length, tfjs_cpu: s.times.cpu.length, pytorch: s.times.torch.length },
  };
}

function round(x: number | null, digits = 1): number | null {
  return x == null ? null : Number(x.toFixed(digits));
}

if (json) console.log(JSON.stringify(result));
else {
  const rows = kinds.map((k) => bySize[k] as Record<string, number | null>);
  const cell = (v: number | null, unit = '') => (v == null ? '—' : `${v}${unit}`);
  console.log(`\nsize ${sizeName}: ${size.family} d ${size.dModel}, ${size.nLayers} layers, ${size.nHeads} heads, FFN ${size.dFF}, vocab ${size.vocab}, batch ${size.batch} × ${size.seq}`);
  console.log('| step | ftbench ms | PyTorch ms | tfjs cpu ms | ftbench / PyTorch | speed-up vs tfjs cpu | RSS ftbench MB | RSS PyTorch MB |');
  console.log('|---|---|---|---|---|---|---|---|');
  kinds.forEach((k, i) => {
    const r = rows[i];
    console.log(`| ${k} | ${cell(r.ftbench_ms)} | ${cell(r.pytorch_ms)} | ${cell(r.tfjs_cpu_ms)} | ${cell(r.ratio_vs_pytorch, '×')} | ${cell(r.ratio_vs_tfjs_cpu, '×')} | ${cell(r.ftbench_rss_mb)} | ${cell(r.pytorch_rss_mb)} |`);
  });
  console.log(`\nLoad average (1 min) ${loadStart.toFixed(2)} at start, ${os.loadavg()[0].toFixed(2)} at end, on ${os.availableParallelism()} CPUs.`);
  console.log(`GEMM: ${result.gemm_gflops_512} GFLOP/s at 512³, ${result.gemm_gflops_1024} GFLOP/s at 1024³; backend ${info.name} + ${info.kernelPack} kernel pack, BLAS ${info.blas}, ${info.threads} threads.`);
}
process.exit(0);
