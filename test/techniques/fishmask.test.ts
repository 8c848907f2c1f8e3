// FISH Mask: the empirical Fisher is the mean squared batch gradient; after training exactly the masked entries moved.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fishmask } from '../../techniques/parameter-selection/fishmask.js';
import { fisherScores } from '../../techniques/shared/fisher.js';
import { maskTopK, maskableParams } from '../../techniques/shared/mask.js';
import type { Model } from '../../harness/model/model.js';
import type { ApplyContext } from '../../harness/plugin.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model): ApplyContext => ({ seed: 1, totalSteps: 30, sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 100 + i)), loss: (b) => tinyObjective.loss(m, b) });

describe('fishmask', () => {
  before(useBackend);

  it('scores by the mean squared batch gradient and frees everything else it creates', () => {
    const m = tinyModel('encoder');
    const vars = maskableParams(m, 'layers.0.attn.q.*').map(([, v]) => v);
    const n0 = tf.memory().numTensors;
    const scores = fisherScores(vars, ctx(m), 2);
    assert.equal(tf.memory().numTensors, n0 + vars.length, 'the Fisher helper leaked tensors');
    // Reference: the same two batches by hand.
    const ref = vars.map((v) => new Float64Array(v.size));
    for (const b of ctx(m).sampleBatches(2)) {
      const { value, grads } = tf.variableGrads(() => tinyObjective.loss(m, b), vars);
      vars.forEach((v, j) => grads[v.name].dataSync().forEach((g, i) => (ref[j][i] += (g * g) / 2)));
      tf.dispose([value, ...Object.values(grads), b.ids, b.mask, b.labels]);
    }
    vars.forEach((v, j) => {
      const s = scores.get(v)!.dataSync();
      const maxRef = Math.max(...ref[j]);
      assert.ok(maxRef > 0);
      s.forEach((x, i) => assert.ok(Math.abs(x - ref[j][i]) <= 1e-5 * maxRef, `score ${x} vs ${ref[j][i]}`));
    });
    tf.dispose([...scores.values()]);
    m.dispose();
  });

  it('top-k keeps exactly k entries, the largest', () => {
    const v = tf.variable(tf.zeros([2, 3]));
    const masks = maskTopK(new Map([[v, tf.tensor([[0.5, 3, 1], [3, 0.1, 2]])]]), 3);
    assert.deepEqual(Array.from(masks.get(v)!.dataSync()), [0, 1, 0, 1, 0, 1]);
    tf.dispose([v, ...masks.values()]);
  });

  for (const family of ['encoder', 'decoder'] as const) {
    it(`${family}: exactly the masked entries move, all others stay bit-identical (weight decay on)`, async () => {
      const m = tinyModel(family);
      const applied = applyTechnique(fishmask, m, fishmask.defaults, ctx(m));
      const named = maskableParams(m);
      const total = named.reduce((n, [, v]) => n + v.size, 0);
      const state = applied.adapterState();
      const chosen = new Map(named.map(([n]) => [n, new Set(state[`${n}.sft_idx`] ? Array.from(state[`${n}.sft_idx`].dataSync()) : [])]));
      const k = [...chosen.values()].reduce((n, s) => n + s.size, 0);
      assert.equal(k, Math.round(fishmask.defaults.density * total));
      const head = m.named('head.**').reduce((n, [, v]) => n + v.size, 0);
      assert.equal(applied.footprint().trainableParams, k + head);
      const before = new Map(named.map(([n, v]) => [n, v.dataSync().slice()]));
      const lr = 1e-2;
      const stream = new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1);
      await train({ model: m, applied, objective: tinyObjective, stream, budget: { steps: 4, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0.1, clipNorm: 1, schedule: 'constant' }, optimizerSpec: { lr, weightDecay: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 } });
      let moved = 0;
      for (const [n, v] of named) {
        v.dataSync().forEach((x, i) => {
          if (x === before.get(n)![i]) return;
          moved++;
          assert.ok(chosen.get(n)!.has(i), `${n}[${i}] moved outside the mask`);
        });
      }
      // Fisher-chosen entries have non-zero gradients, so with Adam every one of them moves.
      assert.equal(moved, k, `${moved} of ${k} masked entries moved`);
      tf.dispose(Object.values(state));
      applied.dispose();
      m.dispose();
    });
  }
});
