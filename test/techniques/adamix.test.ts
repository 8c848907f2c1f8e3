// AdaMix: training routes stochastically; inference uses one module whose weights are the average of the adapters.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { adamix } from '../../techniques/mixture-of-experts/adamix.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = { seed: 1, totalSteps: 1, sampleBatches: () => [], loss: () => tf.scalar(0) };

/** Adapter state with every expert's weights drawn at random (up included, so the adapters do something). */
function randomState(state: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(state).map(([k, v], i) => [k, k.startsWith('head.') ? v : tf.randomNormal(v.shape, 0, 0.3, 'float32', 100 + i)]));
}

describe('adamix', () => {
  before(useBackend);

  for (const shareUp of [true, false]) it(`infers with the average of its adapters: one deterministic output (shareUp ${shareUp})`, () => {
    const family = 'encoder';
    const cfg = { ...adamix.defaults, shareUp };
    const model = tinyModel(family);
    const applied = applyTechnique(adamix, model, cfg, ctx);
    const s0 = applied.adapterState();
    const st = randomState(s0);
    applied.loadAdapterState(st);
    const b = tinyBatch(6, 42);
    const base = (() => {
      model.hooks.enabled = false;
      try {
        return outputs(model, b);
      } finally {
        model.hooks.enabled = true;
      }
    })();
    const y = outputs(model, b);
    assert.ok(maxAbsDiff(y, base) > 1e-3, 'the adapters change the output');
    assert.ok(maxAbsDiff(outputs(model, b), y) === 0, 'inference is deterministic');

    // Training passes route through random experts: they differ from each other and from the averaged module.
    model.training = true;
    const t1 = tf.tidy(() => model.hidden(b.ids, b.mask)).dataSync().slice();
    const draws = Array.from({ length: 4 }, () => tf.tidy(() => model.hidden(b.ids, b.mask)).dataSync().slice());
    model.training = false;
    assert.ok(draws.some((d) => maxAbsDiff(d, t1) > 1e-4), 'training passes are stochastic');
    assert.ok(maxAbsDiff(t1, y) > 1e-4);

    // A model whose every expert holds the experts' average gives the same inference output.
    const keys = Object.keys(st).filter((k) => !k.startsWith('head.'));
    const avg: Record<string, tf.Tensor> = { ...st };
    for (const k of keys) {
      const sibling = keys.filter((j) => j.replace(/expert\d+/, 'expert*') === k.replace(/expert\d+/, 'expert*'));
      // A shared up projection is one tensor per site; everything else has one per expert.
      assert.equal(sibling.length, shareUp && k.includes('.adamix.up.') ? 1 : adamix.defaults.experts, k);
      avg[k] = tf.tidy(() => tf.div(tf.addN(sibling.map((j) => st[j])), sibling.length));
    }
    const other = tinyModel(family, 3);
    const applied2 = applyTechnique(adamix, other, cfg, { ...ctx, seed: 9 });
    applied2.loadAdapterState(avg);
    const y2 = outputs(other, b);
    assert.ok(maxAbsDiff(y2, y) < 1e-5, `averaged module differs by ${maxAbsDiff(y2, y)}`);
    // And every training pass of that model is the same too: all experts are one module.
    other.training = true;
    const z = tf.tidy(() => other.hidden(b.ids, b.mask)).dataSync();
    other.training = false;
    assert.ok(maxAbsDiff(z, y) < 1e-5);

    tf.dispose([...Object.values(s0), ...Object.values(st), ...keys.map((k) => avg[k]), b.ids, b.mask, b.labels]);
    applied.dispose();
    applied2.dispose();
    model.dispose();
    other.dispose();
  });

  it('shares one up projection across the experts by default: M downs and one up per site are all it trains', () => {
    const model = tinyModel('encoder');
    const applied = applyTechnique(adamix, model, adamix.defaults, ctx);
    const { dModel: d } = model.config;
    const { experts: M, size: m } = adamix.defaults;
    const sites = 2 * model.layerIndices().length;
    const head = model.named('head.**').reduce((n, [, v]) => n + v.size, 0);
    assert.equal(applied.footprint().trainableParams, sites * (M * (d * m + m) + (m * d + d)) + head);
    const state = applied.adapterState();
    assert.equal(Object.keys(state).filter((k) => k.includes('.adamix.up.weight')).length, sites);
    tf.dispose(Object.values(state));
    applied.dispose();
    model.dispose();
  });

  it('adds a consistency loss between two stochastic passes while training only', () => {
    const model = tinyModel('decoder');
    const applied = applyTechnique(adamix, model, adamix.defaults, ctx);
    const st = randomState(applied.adapterState());
    applied.loadAdapterState(st);
    const b = tinyBatch(6, 42);
    model.training = true;
    const v = tf.tidy(() => {
      model.classify(b.ids, b.mask);
      return applied.auxLoss!()!;
    });
    assert.ok(v.dataSync()[0] > 0, 'two random routings disagree');
    model.training = false;
    tf.tidy(() => model.classify(b.ids, b.mask));
    assert.equal(applied.auxLoss!(), null);
    tf.dispose([v, ...Object.values(st), b.ids, b.mask, b.labels]);
    applied.dispose();
    model.dispose();
  });
});
