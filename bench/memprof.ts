// `npx tsx bench/memprof.ts <backend> full_ft|lora <size> [steps]`: steps (2) of a bench size, with RSS, live tensor bytes and peak RSS after each.
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from '../harness/backend/index.js';
import { referenceStep, type StepKind } from './step.js';
const [choice, kind, size, steps = '2'] = process.argv.slice(2) as [BackendChoice, StepKind, string, string?];
await initBackend(choice);
const s = referenceStep(kind, 0, size);
const engine = tf.engine() as unknown as { runKernel: (...a: unknown[]) => unknown };
const run = engine.runKernel.bind(engine);
let peak = 0, peakRss = 0;
engine.runKernel = (...a: unknown[]) => { const r = run(...a); const m = tf.memory().numBytes; if (m > peak) peak = m; return r; };
const mb = (x: number) => (x / 2 ** 20).toFixed(0);
console.log('after init: tensors', mb(tf.memory().numBytes), 'rss', mb(process.memoryUsage().rss));
for (let i = 0; i < Number(steps); i++) {
  const t0 = performance.now();
  s.step();
  const mu = process.memoryUsage();
  console.log(`step ${i}: ${(performance.now() - t0).toFixed(0)} ms; live tensors ${mb(tf.memory().numBytes)} MB, peak live ${mb(peak)} MB; rss ${mb(mu.rss)}, arrayBuffers ${mb(mu.arrayBuffers)}, heapUsed ${mb(mu.heapUsed)}, maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}`);
}
