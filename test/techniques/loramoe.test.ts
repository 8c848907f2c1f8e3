// LoRAMoE's localised balancing constraint: cv² of importance weighted by (1 ± δ) per expert group, through auxLoss.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loramoe } from '../../techniques/mixture-of-experts/loramoe.js';
import { localisedBalance } from '../../techniques/mixture-of-experts/moe/balance.js';
import { tinyBatch, tinyModel, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = { seed: 1, totalSteps: 1, sampleBatches: () => [], loss: () => tf.scalar(0) };
const value = (f: () => tf.Scalar) => {
  const t = tf.tidy(f);
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

describe('loramoe', () => {
  before(useBackend);

  it('the constraint is zero when I ⊙ Q is flat and grows with imbalance', () => {
    // 2 samples × 3 tokens × 4 experts; group 1 = experts 0, 1 (first half), the samples' type.
    const uniform = tf.fill([2, 3, 4], 0.25) as tf.Tensor3D;
    assert.ok(value(() => localisedBalance(uniform, null, 0, 1)) < 1e-9, 'uniform importance, δ = 0');
    const d = 0.1;
    assert.ok(value(() => localisedBalance(uniform, null, d, 1)) > 1e-4, 'uniform importance is off balance once δ > 0');
    // Importance ∝ 1/I makes I ⊙ Q flat: the matching group carries less raw importance by (1 − δ)/(1 + δ).
    const lo = 1 / (1 + d);
    const hi = 1 / (1 - d);
    const flat = tf.tile(tf.reshape(tf.tensor1d([lo, lo, hi, hi]), [1, 1, 4]), [2, 3, 1]) as tf.Tensor3D;
    assert.ok(value(() => localisedBalance(flat, null, d, 1)) < 1e-9);
    assert.ok(value(() => localisedBalance(flat, null, d, 0)) > 1e-4, 'the other sample type prefers the other group');
    const skewed = tf.tile(tf.reshape(tf.tensor1d([0.7, 0.1, 0.1, 0.1]), [1, 1, 4]), [2, 3, 1]) as tf.Tensor3D;
    assert.ok(value(() => localisedBalance(skewed, null, 0, 1)) > value(() => localisedBalance(uniform, null, d, 1)));
    // Padding positions carry no importance.
    const mask = tf.tensor2d([[1, 1, 0], [1, 1, 0]]);
    const padded = tf.concat([tf.slice(uniform, [0, 0, 0], [2, 2, 4]), tf.tile(tf.reshape(tf.tensor1d([1, 0, 0, 0]), [1, 1, 4]), [2, 1, 1])], 1) as tf.Tensor3D;
    assert.ok(value(() => localisedBalance(padded, mask, 0, 1)) < 1e-9);
    tf.dispose([uniform, flat, skewed, mask, padded]);
  });

  it('adds β · Σ constraints to the loss while training, with gradients to the routers', () => {
    const model = tinyModel('decoder');
    const applied = applyTechnique(loramoe, model, loramoe.defaults, ctx);
    const routers = applied.paramGroups()[0].vars.filter((_, i) => i % 3 === 0); // [router, A, B] per site
    const b = tinyBatch(6, 42);
    model.training = true;
    const { value: v, grads } = tf.variableGrads(() => {
      model.hidden(b.ids, b.mask);
      return applied.auxLoss!()!;
    }, routers);
    assert.ok(v.dataSync()[0] > 0);
    assert.ok(Object.values(grads).some((g) => tf.tidy(() => tf.max(tf.abs(g))).dataSync()[0] > 0), 'routers receive gradient');
    model.training = false;
    tf.tidy(() => model.hidden(b.ids, b.mask));
    assert.equal(applied.auxLoss!(), null, 'no constraint outside training');
    tf.dispose([v, ...Object.values(grads), b.ids, b.mask, b.labels]);
    applied.dispose();
    model.dispose();
  });
});
