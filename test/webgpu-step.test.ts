// What a WebGPU training step costs in counts (never in time): GPU→CPU reads, compute dispatches and buffer
// allocations, for the trainer over many steps and for the reference step of bench/gpu.ts (issue 18's bar).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../harness/backend/index.js';
import { probeAdapter } from '../harness/backend/webgpu.js';
import { gpuCounts, type GpuCounts } from '../harness/backend/webgpu/counters.js';
import { BatchStream, train } from '../harness/train/trainer.js';
import { techniques } from '../techniques/index.js';
import type { ApplyContext } from '../harness/plugin.js';
import { referenceStep } from '../bench/step.js';
import { tinyBatch, tinyModel, tinyObjective, tinyRows } from './helpers/tiny.js';

const probe = await probeAdapter();
const SKIP = 'adapter' in probe ? false : `no WebGPU adapter (${probe.reason}); scripts/setup.sh --dev installs lavapipe`;
if (SKIP) console.log(`# webgpu step tests skipped: ${SKIP}`);

// The reference step's dispatches before ftbench's WGSL kernels (tfjs's plain ops, measured on lavapipe with
// FTBENCH_WEBGPU_FUSED=0, docs/gpu.md): the bar is a third of these.
const BEFORE = { full_ft: 1077, lora: 527 };

const diff = (a: GpuCounts, b: GpuCounts): GpuCounts => ({ dispatches: b.dispatches - a.dispatches, reads: b.reads - a.reads, allocs: b.allocs - a.allocs });

test('the trainer reads once per step on webgpu, and its memory stays flat', { skip: SKIP }, async () => {
  await initBackend('webgpu');
  for (const id of ['full-ft', 'lora']) {
    const t = techniques.all().find((x) => x.id === id)!;
    const model = tinyModel('encoder');
    const ctx: ApplyContext = { seed: 1, totalSteps: 30, sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 100 + i)), loss: (b) => tinyObjective.loss(model, b) };
    const applied = t.apply(model, t.defaults as never, ctx);
    const pool = (tf.backend() as unknown as { bufferManager: { numBytesAllocated: number } }).bufferManager;
    const per: (GpuCounts & { bytes: number })[] = [];
    let last = gpuCounts();
    try {
      const r = await train({
        model, applied, objective: tinyObjective, stream: new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1),
        budget: { steps: 30, batchSize: 8, lr: 1e-3, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0.01, clipNorm: 1, schedule: 'constant' },
        optimizerSpec: { lr: 1e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
        onStep: () => {
          const now = gpuCounts();
          per.push({ ...diff(last, now), bytes: pool.numBytesAllocated });
          last = now;
        },
      });
      assert.equal(r.failure, null);
    } finally {
      applied.dispose();
      model.dispose();
    }
    assert.equal(per.length, 30);
    per.forEach((c, i) => assert.ok(c.reads <= 1, `${id} step ${i + 1}: ${c.reads} reads from the GPU`));
    // After a few steps every buffer a step needs is in tfjs's pool: no creation, no growth.
    const settled = per.slice(5);
    assert.deepEqual(settled.map((c) => c.allocs), settled.map(() => 0), `${id}: buffers created per step after step 5`);
    assert.equal(settled.at(-1)!.bytes, settled[0].bytes, `${id}: GPU memory grew from ${settled[0].bytes} to ${settled.at(-1)!.bytes} bytes`);
    console.log(`# ${id} on webgpu: ${per[per.length - 1].dispatches} dispatches, ${per[per.length - 1].reads} read per step; ${settled[0].bytes} bytes pooled, flat over steps 6-30`);
  }
});

test('the reference step takes at most a third of the dispatches it took before the WGSL kernels', { skip: SKIP }, async () => {
  await initBackend('webgpu');
  for (const kind of ['full_ft', 'lora'] as const) {
    const s = referenceStep(kind);
    try {
      s.step(); // compiles the shaders, creates the optimizer state
      const c0 = gpuCounts();
      s.step();
      const c = diff(c0, gpuCounts());
      console.log(`# reference ${kind}: ${c.dispatches} dispatches (before: ${BEFORE[kind]}), ${c.reads} reads, ${c.allocs} allocations`);
      assert.ok(c.reads <= 1, `reference ${kind}: ${c.reads} reads per step`);
      assert.ok(c.dispatches <= BEFORE[kind] / 3, `reference ${kind}: ${c.dispatches} dispatches per step, over a third of ${BEFORE[kind]}`);
    } finally {
      s.dispose();
    }
  }
});
