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

  it('AdamW takes the bias-corrected step with decoupled weight decay', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new AdamW({ ...spec, weightDecay: 0.1 }, [{ vars: [p] }]);
    const g = tf.tensor1d([0.5, -1]);
    opt.step(new Map([[p, g]]), 0.01);
    // t=1: m̂ = g, v̂ = g², update = g/|g| = sign(g); p ← p(1 − lr·wd) − lr·sign(g)
    const want = [1 * (1 - 0.001) - 0.01, -2 * (1 - 0.001) + 0.01];
    const got = p.arraySync();
    assert.ok(Math.abs(got[0] - want[0]) < 1e-6 && Math.abs(got[1] - want[1]) < 1e-6, `${got} vs ${want}`);
    assert.equal(opt.stateBytes(), 2 * 2 * 4);
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
