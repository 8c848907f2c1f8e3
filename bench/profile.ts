// `npx tsx bench/profile.ts [full_ft|lora] [backend]`: where the reference step's time goes on the default (or a named) backend — each
// kernel's count per step and wall time, measured around top-level kernel calls (tf.profile's own timing adds
// overhead that swamps the small kernels). Run it on a quiet machine; the rest of the step is JS and tape work.
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from '../harness/backend/index.js';
import { referenceStep, type StepKind } from './step.js';

const kind = (process.argv[2] ?? 'lora') as StepKind;
const steps = 20;
await initBackend((process.argv[3] ?? 'auto') as BackendChoice);
const s = referenceStep(kind);
for (let i = 0; i < 10; i++) s.step();

const engine = tf.engine() as unknown as { runKernel: (name: string, inputs: tf.NamedTensorMap, attrs: object) => unknown };
const run = engine.runKernel.bind(engine);
const by = new Map<string, { n: number; ms: number; shapes: Set<string> }>();
let depth = 0;
engine.runKernel = (name, inputs, attrs) => {
  depth++;
  const t0 = performance.now();
  try {
    return run(name, inputs, attrs);
  } finally {
    depth--;
    if (depth === 0) {
      const e = by.get(name) ?? { n: 0, ms: 0, shapes: new Set<string>() };
      e.n++;
      e.ms += performance.now() - t0;
      e.shapes.add(Object.values(inputs).map((t) => t.shape.join('×')).join(', '));
      by.set(name, e);
    }
  }
};
const t0 = performance.now();
for (let i = 0; i < steps; i++) s.step();
const stepMs = (performance.now() - t0) / steps;
engine.runKernel = run;
s.dispose();

const rows = [...by].sort((a, b) => b[1].ms - a[1].ms);
const kernelMs = rows.reduce((n, [, e]) => n + e.ms, 0) / steps;
const kernels = rows.reduce((n, [, e]) => n + e.n, 0) / steps;
console.log(`${kind}: ${stepMs.toFixed(1)} ms per step, ${kernels} kernels taking ${kernelMs.toFixed(1)} ms`);
for (const [name, e] of rows) {
  console.log(`${name.padEnd(20)} ${String(e.n / steps).padStart(5)} ${(e.ms / steps).toFixed(2).padStart(7)} ms  ${[...e.shapes].slice(0, 3).join(' | ')}`);
}
