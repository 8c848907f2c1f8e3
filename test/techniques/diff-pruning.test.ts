// Diff pruning: the expected L0 norm of the gates falls while training; the projected δ has at most the target share
// of non-zeros, the base weights stay untouched, and merging W += δ keeps the outputs.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { diffPruning } from '../../techniques/parameter-selection/diff-pruning.js';
import type { Model } from '../../harness/model/model.js';
import type { Applied, ApplyContext } from '../../harness/plugin.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model, totalSteps: number): ApplyContext => ({ seed: 1, totalSteps, sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 100 + i)), loss: (b) => tinyObjective.loss(m, b) });

async function steps(model: Model, applied: Applied, n: number, lr = 2e-3) {
  const stream = new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1);
  const budget = { steps: n, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' as const };
  await train({ model, applied, objective: tinyObjective, stream, budget, optimizerSpec: { lr, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 } });
}

const targetSize = (m: Model) => m.find('layers.**').reduce((n, l) => n + l.weight.size, 0);

describe('diff-pruning', () => {
  before(useBackend);

  it('the expected L0 penalty falls with training', async () => {
    const m = tinyModel('decoder');
    const applied = applyTechnique(diffPruning, m, diffPruning.defaults, ctx(m, 1000)); // no projection within this test
    const penalty = () => {
      const p = applied.auxLoss!()!;
      const v = p.dataSync()[0];
      p.dispose();
      return v;
    };
    const p0 = penalty();
    const l0 = applied.metrics!().expected_l0_share;
    assert.ok(Math.abs(l0 - 1 / (1 + Math.exp(-diffPruning.defaults.logAlphaInit))) < 1e-5, `initial E[L0] share ${l0}`);
    await steps(m, applied, 5);
    const p1 = penalty();
    await steps(m, applied, 5);
    const p2 = penalty();
    assert.ok(p1 < p0 && p2 < p1, `penalty ${p0} → ${p1} → ${p2}`);
    assert.ok(applied.metrics!().expected_l0_share < l0);
    applied.dispose();
    m.dispose();
  });

  it('projects δ to at most the target share, keeps the base untouched, and merges as W += δ', async () => {
    const m = tinyModel('encoder');
    const base = new Map([...m.params].filter(([n]) => !n.startsWith('head.')).map(([n, v]) => [n, v.dataSync().slice()]));
    const applied = applyTechnique(diffPruning, m, diffPruning.defaults, ctx(m, 8)); // projection after step 6
    await steps(m, applied, 8);
    for (const [n, v] of m.params) if (base.has(n)) assert.ok(v.dataSync().every((x, i) => x === base.get(n)![i]), `${n} changed`);
    const n = targetSize(m);
    const k = Math.round(diffPruning.defaults.sparsity * n);
    const { delta_nonzero_share: share } = applied.metrics!();
    assert.ok(share > 0 && share <= k / n, `δ non-zero share ${share} > target ${k / n}`);
    assert.equal(applied.auxLoss!(), null, 'the L0 penalty should be off after projection');
    const state = applied.adapterState();
    assert.ok(Object.entries(state).filter(([key]) => key.endsWith('.diff_val')).reduce((c, [, t]) => c + t.size, 0) <= k);
    tf.dispose(Object.values(state));

    const batch = tinyBatch(6, 42);
    const y = outputs(m, batch);
    applied.merge!();
    assert.ok(maxAbsDiff(outputs(m, batch), y) < 1e-4);
    let changed = 0;
    for (const l of m.find('layers.**')) changed += l.weight.dataSync().filter((x, i) => x !== base.get(`${l.name}.weight`)![i]).length;
    assert.ok(changed > 0 && changed <= k, `merge changed ${changed} entries of W, target ${k}`);
    applied.dispose();
    m.dispose();
  });
});
