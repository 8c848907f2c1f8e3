// Trainer tests: NaN ends a trial as failed with the reason, no tensor leaks, AdamW and the schedule do the math.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BatchStream, globalNormClip, train, type Budget } from '../harness/train/trainer.js';
import { AdamW } from '../harness/train/adamw.js';
import { lrAt } from '../harness/train/schedule.js';
import type { Applied } from '../harness/plugin.js';
import { techniques } from '../techniques/index.js';
import { tinyModel, tinyObjective, tinyRows, useBackend } from './helpers/tiny.js';
import { applyTechnique } from '../harness/apply.js';

const budget: Budget = { steps: 6, batchSize: 8, lr: 1e-3, evalEvery: 3, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' };
const spec = { lr: 1e-3, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

describe('trainer', () => {
  before(useBackend);

  it('ends training as failed with the reason when the loss becomes NaN', async () => {
    const model = tinyModel('encoder');
    const applied = applyTechnique(techniques.get('full-ft'), model, {}, {} as never) as Applied;
    let step = 0;
    const poisoned: Applied = { ...applied, auxLoss: () => (++step === 4 ? tf.scalar(NaN) : null) };
    const r = await train({ model, applied: poisoned, objective: tinyObjective, stream: new BatchStream(tinyRows(32), 8, tinyObjective, 32, 0), budget, optimizerSpec: spec });
    assert.equal(r.failure, 'loss became NaN at step 4');
    assert.equal(r.steps, 3);
  });

  it('keeps the tensor count flat across steps and evaluates every evalEvery steps', async () => {
    const model = tinyModel('decoder');
    const applied = applyTechnique(techniques.get('lora'), model, techniques.get('lora').defaults, { seed: 0 } as never);
    const counts: number[] = [];
    let evals = 0;
    await train({
      model, applied, objective: tinyObjective, stream: new BatchStream(tinyRows(32), 8, tinyObjective, 32, 0),
      budget: { ...budget, steps: 7 }, optimizerSpec: spec,
      onStep: () => counts.push(tf.memory().numTensors),
      evalDev: async () => (evals++, 0.5),
    });
    assert.ok(counts.slice(1).every((c) => c === counts[1]), `tensor counts drift: ${counts}`);
    assert.equal(evals, 2);
  });

  it('AdamW takes two bias-corrected steps with decoupled weight decay, against values worked out by hand', () => {
    // β1 = 0.5, β2 = 0.75 (not the defaults) so that a wrong β, a swapped β or a step counter stuck at 1 all show.
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new AdamW({ lr: 0, weightDecay: 0.1, beta1: 0.5, beta2: 0.75, eps: 1e-8 }, [{ vars: [p] }]);
    const g1 = tf.tensor1d([0.5, -1]);
    const g2 = tf.tensor1d([-1, 2]);
    // Step 1 (t = 1, lr 0.01): m = 0.5 g1, v = 0.25 g1²; m̂ = m / 0.5 = g1, v̂ = v / 0.25 = g1²: update = sign(g1).
    //   p1 = p0 (1 − 0.01 · 0.1) − 0.01 sign(g1) = [0.999 − 0.01, −1.998 + 0.01] = [0.989, −1.988]
    opt.step(new Map([[p, g1]]), 0.01);
    const p1 = p.arraySync();
    assert.ok(Math.abs(p1[0] - 0.989) < 1e-6 && Math.abs(p1[1] + 1.988) < 1e-6, `step 1: ${p1}`);
    // Step 2 (t = 2, lr 0.02): m = 0.5 m + 0.5 g2 = [0.125 − 0.5, −0.25 + 1] = [−0.375, 0.75]; c1 = 1 − 0.5² = 0.75
    //   v = 0.75 v + 0.25 g2² = [0.046875 + 0.25, 0.1875 + 1] = [0.296875, 1.1875]; c2 = 1 − 0.75² = 0.4375
    //   m̂ = [−0.5, 1]; v̂ = [0.678571…, 2.714285…]; √v̂ = [0.823754…, 1.647508…]; update = m̂/√v̂ = [−0.606977…, 0.606977…]
    //   p2 = p1 (1 − 0.02 · 0.1) − 0.02 · update = [0.987022 + 0.0121395, −1.984024 − 0.0121395]
    opt.step(new Map([[p, g2]]), 0.02);
    const u = 0.5 / Math.sqrt(0.296875 / 0.4375);
    const want = [0.989 * 0.998 + 0.02 * u, -1.988 * 0.998 - 0.02 * u];
    assert.ok(Math.abs(want[0] - 0.9991615) < 1e-6 && Math.abs(want[1] + 1.9961635) < 1e-6, `hand values: ${want}`);
    const got = p.arraySync();
    assert.ok(Math.abs(got[0] - want[0]) < 2e-6 && Math.abs(got[1] - want[1]) < 2e-6, `step 2: ${got} vs ${want}`);
    assert.equal(opt.stateBytes(), 2 * 2 * 4);
    tf.dispose([g1, g2, p]);
    opt.dispose();
  });

  it('warms up linearly, then decays to the floor', () => {
    const s = { kind: 'linear' as const, warmupSteps: 10, minRatio: 0 };
    assert.equal(lrAt(0, 110, 1, s), 0.1);
    assert.equal(lrAt(9, 110, 1, s), 1);
    assert.ok(Math.abs(lrAt(60, 110, 1, s) - 0.5) < 1e-12);
    assert.equal(lrAt(110, 110, 1, s), 0);
    assert.ok(Math.abs(lrAt(60, 110, 1, { ...s, kind: 'cosine' }) - 0.5) < 1e-12);
  });

  it('clips the global gradient norm', () => {
    const a = tf.variable(tf.zeros([2]));
    const b = tf.variable(tf.zeros([1]));
    const clipped = globalNormClip(new Map([[a, tf.tensor1d([3, 0])], [b, tf.tensor1d([4])]]), 1);
    assert.deepEqual([...clipped.values()].map((t) => t.arraySync()), [[0.6, 0], [0.8]].map((x) => x.map((v) => Math.fround(v))));
  });
});
