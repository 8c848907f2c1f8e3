// Child-Tuning: a step updates exactly the child network — p of the targets in expectation (task-free, gradients
// scaled by 1/p, resampled per step) or exactly the fixed Fisher-chosen share (task-driven).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { childTuning } from '../../techniques/parameter-selection/child-tuning.js';
import { maskableParams } from '../../techniques/shared/mask.js';
import type { Model } from '../../harness/model/model.js';
import type { Applied, ApplyContext } from '../../harness/plugin.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model): ApplyContext => ({ seed: 1, totalSteps: 30, sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 100 + i)), loss: (b) => tinyObjective.loss(m, b) });

async function steps(model: Model, applied: Applied, n: number, weightDecay = 0.1, lr = 1e-2) {
  const stream = new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1);
  const budget = { steps: n, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay, clipNorm: 0, schedule: 'constant' as const };
  await train({ model, applied, objective: tinyObjective, stream, budget, optimizerSpec: { lr, weightDecay, beta1: 0.9, beta2: 0.999, eps: 1e-8 } });
}

/** Entries of `layers.**` that differ from the snapshot. */
function movedInTargets(m: Model, before: Map<string, Float32Array>): { moved: number; total: number } {
  let moved = 0;
  let total = 0;
  for (const [n, v] of maskableParams(m, 'layers.**')) {
    const b = before.get(n)!;
    v.dataSync().forEach((x, i) => (moved += x === b[i] ? 0 : 1));
    total += v.size;
  }
  return { moved, total };
}

const snap = (m: Model) => new Map([...m.params].map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));

describe('child-tuning', () => {
  before(useBackend);

  it('task-driven: a step (and every later one) updates exactly the Fisher-chosen share of the targets', async () => {
    const m = tinyModel('encoder');
    const applied = applyTechnique(childTuning, m, childTuning.defaults, ctx(m));
    const base = snap(m);
    await steps(m, applied, 1);
    const { moved, total } = movedInTargets(m, base);
    assert.equal(moved, Math.round(childTuning.defaults.p * total));
    await steps(m, applied, 3);
    assert.equal(movedInTargets(m, base).moved, moved, 'the child network changed between steps');
    assert.equal(applied.metrics!().child_share, Math.round(childTuning.defaults.p * total) / total);
    applied.dispose();
    m.dispose();
  });

  it('task-free: each step keeps a fresh Bernoulli(p) share of the gradient, scaled by 1/p', () => {
    const m = tinyModel('decoder');
    const cfg = childTuning.validate({ mode: 'task-free', p: 0.2 });
    const applied = applyTechnique(childTuning, m, cfg, ctx(m));
    const targets = maskableParams(m, 'layers.**').map(([, v]) => v);
    const grads = new Map(targets.map((v) => [v, tf.onesLike(v) as tf.Tensor]));
    const n = targets.reduce((s, v) => s + v.size, 0);
    const kept: Float32Array[] = [];
    for (let step = 0; step < 2; step++) {
      const out = applied.transformGrads!(grads);
      const flat = tf.tidy(() => tf.concat([...out.values()].map((g) => tf.reshape(g, [-1]))));
      const values = flat.dataSync() as Float32Array;
      const share = values.filter((x) => x !== 0).length / n;
      const sd = Math.sqrt((cfg.p * (1 - cfg.p)) / n);
      assert.ok(Math.abs(share - cfg.p) < 4 * sd, `kept share ${share} vs p ${cfg.p}`);
      assert.ok(values.every((x) => x === 0 || Math.abs(x - 1 / cfg.p) < 1e-6), 'kept gradients are not scaled by 1/p');
      kept.push(values.slice());
      tf.dispose([flat, ...out.values()]);
    }
    assert.ok(kept[0].some((x, i) => x !== kept[1][i]), 'the mask was not resampled');
    tf.dispose([...grads.values()]);
    applied.dispose();
    m.dispose();
  });

  it('task-free: the first update moves about p of the targets', async () => {
    const m = tinyModel('decoder');
    const cfg = childTuning.validate({ mode: 'task-free' });
    const applied = applyTechnique(childTuning, m, cfg, ctx(m));
    const base = snap(m);
    await steps(m, applied, 1, 0); // no decay: like the reference optimizer, task-free mode decays every entry
    const { moved, total } = movedInTargets(m, base);
    const sd = Math.sqrt((cfg.p * (1 - cfg.p)) / total);
    assert.ok(Math.abs(moved / total - cfg.p) < 4 * sd + 0.01, `moved share ${moved / total} vs p ${cfg.p}`);
    applied.dispose();
    m.dispose();
  });
});
