// Houlsby adapter: h ↦ h + up(gelu(down(h))) after every attention and FFN sub-layer, up = 0 at init, layer norms trained.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { houlsby } from '../../techniques/adapter/houlsby.js';
import { gelu } from '../../harness/model/layers.js';
import type { Family } from '../../harness/model/config.js';
import type { Model } from '../../harness/model/model.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, tinyObjective, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model) => ({ seed: 1, totalSteps: 1, sampleBatches: () => [], loss: (b: any) => tinyObjective.loss(m, b) });

/** Records a hook point's output: registered before apply() it is innermost (the base), after it outermost. */
function probe(m: Model, point: string, into: tf.Tensor[]) {
  return m.hooks.wrap(point, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
    const y = next(x);
    into.push(tf.keep(tf.clone(y)));
    return y;
  });
}

for (const family of ['encoder', 'decoder'] as Family[]) {
  describe(`houlsby (${family})`, () => {
    before(useBackend);

    it('puts a d/4 bottleneck with zero up-projection after every attention and FFN sub-layer', () => {
      const m = tinyModel(family);
      const b = tinyBatch(4, 3);
      const base = outputs(m, b);
      const a = applyTechnique(houlsby, m, houlsby.defaults, ctx(m));
      const s = a.adapterState();
      const d = m.config.dModel;
      for (const i of m.layerIndices()) {
        for (const p of [`layers.${i}.attn`, `layers.${i}.ffn`]) {
          assert.deepEqual(s[`${p}.adapter.down.weight`].shape, [d, d / 4]);
          assert.ok(s[`${p}.adapter.up.weight`].dataSync().every((x) => x === 0));
        }
      }
      assert.ok(maxAbsDiff(outputs(m, b), base) === 0, 'not identity at init');
      tf.dispose(Object.values(s));
      a.dispose();
      m.dispose();
    });

    it('adds up(gelu(down(h))) to the sub-layer output h', () => {
      const m = tinyModel(family);
      const inner: tf.Tensor[] = [];
      const outer: tf.Tensor[] = [];
      probe(m, 'layers.1.attn', inner);
      const a = applyTechnique(houlsby, m, houlsby.defaults, ctx(m));
      probe(m, 'layers.1.attn', outer);
      const s = a.adapterState();
      const P = 'layers.1.attn.adapter';
      s[`${P}.up.weight`] = tf.randomNormal(s[`${P}.up.weight`].shape, 0, 1, 'float32', 3);
      s[`${P}.down.weight`] = tf.randomNormal(s[`${P}.down.weight`].shape, 0, 1, 'float32', 4);
      s[`${P}.down.bias`] = tf.randomNormal(s[`${P}.down.bias`].shape, 0, 1, 'float32', 5);
      a.loadAdapterState(s);
      outputs(m, tinyBatch(4, 3));
      const h = inner[0];
      const expected = tf.tidy(() => {
        const z = tf.add(tf.matMul(tf.reshape(h, [-1, m.config.dModel]), s[`${P}.down.weight`] as tf.Tensor2D), s[`${P}.down.bias`]);
        return tf.add(h, tf.reshape(tf.add(tf.matMul(gelu(z) as tf.Tensor2D, s[`${P}.up.weight`] as tf.Tensor2D), s[`${P}.up.bias`]), h.shape));
      });
      assert.ok(maxAbsDiff(h.dataSync(), outer[0].dataSync()) > 1e-2, 'the adapter added nothing');
      assert.ok(maxAbsDiff(outer[0].dataSync(), expected.dataSync()) < 1e-5);
      tf.dispose([...inner, ...outer, expected, ...Object.values(s)]);
      a.dispose();
      m.dispose();
    });

    it('trains the layer norms by default (the paper), and with trainLayerNorm off leaves the base untouched', () => {
      const m = tinyModel(family);
      const names = new Map([...m.params].map(([n, v]) => [v, n]));
      const a = applyTechnique(houlsby, m, houlsby.defaults, ctx(m));
      const trained = a.paramGroups().flatMap((g) => g.vars).map((v) => names.get(v)).filter((n): n is string => !!n);
      const norms = [...m.params.keys()].filter((n) => n.includes('norm') && !n.startsWith('lm_head.'));
      assert.ok(norms.length > 0);
      assert.deepEqual(trained.filter((n) => !n.startsWith('head.')).sort(), norms.sort());
      a.dispose();
      m.dispose();

      const m2 = tinyModel(family);
      const b = tinyBatch(4, 3);
      const base = outputs(m2, b);
      const a2 = applyTechnique(houlsby, m2, houlsby.validate({ trainLayerNorm: false }), ctx(m2));
      const baseVars = new Set(m2.named().filter(([n]) => !n.startsWith('head.')).map(([, v]) => v));
      assert.ok(a2.paramGroups().flatMap((g) => g.vars).every((v) => !baseVars.has(v)), 'a base weight is trainable');
      const s2 = a2.adapterState();
      assert.deepEqual(Object.keys(s2).filter((k) => m2.params.has(k) && !k.startsWith('head.')), []);
      tf.dispose(Object.values(s2));
      for (const v of a2.paramGroups()[0].vars) v.assign(tf.randomNormal(v.shape, 0, 0.5, 'float32', 11));
      assert.ok(maxAbsDiff(outputs(m2, b), base) > 1e-3);
      m2.hooks.enabled = false;
      assert.ok(maxAbsDiff(outputs(m2, b), base) === 0, 'disabling did not restore the base');
      m2.hooks.enabled = true;
      a2.dispose();
      m2.dispose();
    });
  });
}
