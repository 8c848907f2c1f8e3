// MoV: a soft mixture of (IA)³ vectors. Vectors start at 1 (identity); routing weights sum to 1, so a mixture of
// identical experts is that expert whatever the router says, while distinct experts make the output token-routed.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mov } from '../../techniques/mixture-of-experts/mov.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = { seed: 1, totalSteps: 1, sampleBatches: () => [], loss: () => tf.scalar(0) };

function withState(state: Record<string, tf.Tensor>, f: (k: string, v: tf.Tensor) => tf.Tensor | null): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, f(k, v) ?? v]));
}

describe('mov', () => {
  before(useBackend);

  it('starts with every expert vector at 1 and soft routing over all experts', () => {
    const model = tinyModel('decoder');
    const applied = applyTechnique(mov, model, mov.defaults, ctx);
    const st = applied.adapterState();
    const vecs = Object.keys(st).filter((k) => k.endsWith('.mov_vectors'));
    assert.equal(vecs.length, 6); // k, v and the FFN input in both layers
    for (const k of vecs) assert.ok(st[k].dataSync().every((x) => x === 1) && st[k].shape[0] === mov.defaults.experts);
    const b = tinyBatch(4, 1);
    tf.tidy(() => model.hidden(b.ids, b.mask));
    const m = applied.metrics!();
    for (const l of [0, 1]) {
      const shares = Object.entries(m).filter(([k]) => k.startsWith(`util.layer${l}.`)).map(([, v]) => v);
      assert.equal(shares.length, mov.defaults.experts);
      assert.ok(shares.every((s) => s > 0), 'soft routing gives every expert a share');
      assert.ok(Math.abs(shares.reduce((a, c) => a + c, 0) - 1) < 1e-6);
    }
    tf.dispose([...Object.values(st), b.ids, b.mask, b.labels]);
    applied.dispose();
    model.dispose();
  });

  it('mixes identical experts to that expert, whatever the router; distinct experts depend on it', () => {
    const model = tinyModel('encoder');
    const applied = applyTechnique(mov, model, mov.defaults, ctx);
    const st0 = applied.adapterState();
    const b = tinyBatch(6, 42);
    const E = mov.defaults.experts;
    let seed = 50;
    const same = (k: string, v: tf.Tensor) => (k.endsWith('.mov_vectors') ? tf.tidy(() => tf.tile(tf.randomUniform([1, v.shape[1]!], 0.5, 1.5, 'float32', seed++), [E, 1])) : null);
    const router = (std: number) => (k: string, v: tf.Tensor) => (k.endsWith('.moe_router') ? tf.randomNormal(v.shape, 0, std, 'float32', seed++) : null);
    const s1 = withState(st0, same);
    applied.loadAdapterState(s1);
    const y1 = outputs(model, b);
    const s2 = withState(s1, router(3));
    applied.loadAdapterState(s2);
    const y2 = outputs(model, b);
    const base = outputs(tinyModel('encoder'), b);
    assert.ok(maxAbsDiff(y1, base) > 1e-3, 'the vectors change the output');
    assert.ok(maxAbsDiff(y1, y2) < 1e-5, `identical experts depend on the router by ${maxAbsDiff(y1, y2)}`);
    const s3 = withState(s2, (k, v) => (k.endsWith('.mov_vectors') ? tf.randomUniform(v.shape, 0.5, 1.5, 'float32', seed++) : null));
    applied.loadAdapterState(s3);
    const y3 = outputs(model, b);
    applied.loadAdapterState(withState(s3, router(3)));
    assert.ok(maxAbsDiff(outputs(model, b), y3) > 1e-4, 'distinct experts are routed by token');
    applied.dispose();
    model.dispose();
  });
});
