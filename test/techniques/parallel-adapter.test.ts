// Parallel adapter: the FFN becomes x ↦ ffn(x) + 4 · up(relu(down(x))), up = 0 at init; attention is left alone.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { parallelAdapter } from '../../techniques/adapter/parallel-adapter.js';
import type { Family } from '../../harness/model/config.js';
import type { Model } from '../../harness/model/model.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, tinyObjective, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model) => ({ seed: 1, totalSteps: 1, sampleBatches: () => [], loss: (b: any) => tinyObjective.loss(m, b) });

for (const family of ['encoder', 'decoder'] as Family[]) {
  describe(`parallel-adapter (${family})`, () => {
    before(useBackend);

    it('is the identity at init and hooks only the FFNs', () => {
      const m = tinyModel(family);
      const b = tinyBatch(4, 3);
      const base = outputs(m, b);
      const a = applyTechnique(parallelAdapter, m, parallelAdapter.defaults, ctx(m));
      assert.ok(maxAbsDiff(outputs(m, b), base) === 0);
      assert.ok(m.layerIndices().every((i) => m.hooks.has(`layers.${i}.ffn`) && !m.hooks.has(`layers.${i}.attn`)));
      a.dispose();
      assert.ok(!m.hooks.has('layers.0.ffn'), 'dispose left a hook');
      m.dispose();
    });

    it('adds s · up(relu(down(x))) of the FFN input x, s = 4, beside the FFN', () => {
      const m = tinyModel(family);
      const seen: { x?: tf.Tensor; ffn?: tf.Tensor; out?: tf.Tensor } = {};
      m.hooks.wrap('layers.0.ffn', (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
        const y = next(x);
        seen.x = tf.keep(tf.clone(x));
        seen.ffn = tf.keep(tf.clone(y));
        return y;
      });
      const a = applyTechnique(parallelAdapter, m, parallelAdapter.defaults, ctx(m));
      m.hooks.wrap('layers.0.ffn', (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
        const y = next(x);
        seen.out = tf.keep(tf.clone(y));
        return y;
      });
      const s = a.adapterState();
      const P = 'layers.0.ffn.adapter';
      const d = m.config.dModel;
      assert.deepEqual(s[`${P}.up.weight`].shape, [d / 2, d]);
      s[`${P}.up.weight`] = tf.randomNormal([d / 2, d], 0, 1, 'float32', 3);
      s[`${P}.up.bias`] = tf.randomNormal([d], 0, 1, 'float32', 4);
      a.loadAdapterState(s);
      outputs(m, tinyBatch(4, 3));
      const expected = tf.tidy(() => {
        const z = tf.relu(tf.add(tf.matMul(tf.reshape(seen.x!, [-1, d]), s[`${P}.down.weight`] as tf.Tensor2D), s[`${P}.down.bias`]));
        const delta = tf.add(tf.matMul(z as tf.Tensor2D, s[`${P}.up.weight`] as tf.Tensor2D), s[`${P}.up.bias`]);
        return tf.add(seen.ffn!, tf.reshape(tf.mul(delta, 4), seen.ffn!.shape));
      });
      assert.ok(maxAbsDiff(seen.out!.dataSync(), seen.ffn!.dataSync()) > 1e-2, 'the adapter added nothing');
      assert.ok(maxAbsDiff(seen.out!.dataSync(), expected.dataSync()) < 1e-5);
      tf.dispose([seen.x!, seen.ffn!, seen.out!, expected, ...Object.values(s)]);
      a.dispose();
      m.dispose();
    });
  });
}
