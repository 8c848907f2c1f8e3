// `npx tsx bench/profile.ts [full_ft|lora]`: the reference step's kernels on the default backend — how many of each
// ran and their summed time — to see where a step goes beyond the GEMMs. Kernel times are wall-clock per kernel,
// so run it on a quiet machine.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../harness/backend/index.js';
import { referenceStep, type StepKind } from './step.js';

const kind = (process.argv[2] ?? 'lora') as StepKind;
await initBackend('auto');
const s = referenceStep(kind);
for (let i = 0; i < 5; i++) s.step();
const t0 = performance.now();
const steps = 10;
for (let i = 0; i < steps; i++) s.step();
const stepMs = (performance.now() - t0) / steps;
const info = await tf.profile(() => { s.step(); });
const by = new Map<string, { n: number; ms: number }>();
for (const k of info.kernels) {
  const e = by.get(k.name) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += (await k.kernelTimeMs) as number;
  by.set(k.name, e);
}
const rows = [...by].sort((a, b) => b[1].ms - a[1].ms);
const kernelMs = rows.reduce((n, [, e]) => n + e.ms, 0);
console.log(`${kind}: ${stepMs.toFixed(1)} ms/step unprofiled; ${info.kernels.length} kernels, ${kernelMs.toFixed(1)} ms inside them`);
for (const [name, e] of rows) console.log(`${name.padEnd(28)} ${String(e.n).padStart(5)} ${e.ms.toFixed(2).padStart(8)} ms`);
s.dispose();
