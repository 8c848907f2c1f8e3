// MixLoRA's top-k routing: every token goes to exactly k experts, with renormalised weights, in the router and in the FFN.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mixlora } from '../../techniques/mixture-of-experts/mixlora.js';
import { Router } from '../../techniques/mixture-of-experts/moe/router.js';
import { tinyBatch, tinyModel, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

describe('mixlora', () => {
  before(useBackend);

  it('the router picks exactly the k most probable experts per token and renormalises their weights', () => {
    const router = new Router(16, 8, 3, 1); // std 1: clearly separated probabilities
    const x = tf.randomNormal([40, 16], 0, 1, 'float32', 9) as tf.Tensor2D;
    const r = router.route(x, 2);
    const p = r.probs.arraySync();
    const g = r.gates.arraySync();
    for (let n = 0; n < 40; n++) {
      const nonzero = g[n].map((v, e) => [v, e]).filter(([v]) => v > 0).map(([, e]) => e);
      assert.equal(nonzero.length, 2, `token ${n} uses ${nonzero.length} experts`);
      const best = p[n].map((v, e) => [v, e]).sort((a, b) => b[0] - a[0]).slice(0, 2).map(([, e]) => e);
      assert.deepEqual([...nonzero].sort(), [...best].sort());
      assert.ok(Math.abs(g[n].reduce((a, b) => a + b, 0) - 1) < 1e-6);
    }
    tf.dispose([x, r.probs, r.gates, r.dispatch!]);
    router.dispose();
  });

  it('the FFN computes each token with exactly k experts', () => {
    for (const topK of [1, 2, 3]) {
      const model = tinyModel('decoder');
      // Registered before the plugin, this wrapper is innermost: it sees each expert's batch of dispatched tokens.
      const rows: number[] = [];
      model.hooks.wrap('layers.0.ffn.up', (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
        rows.push(x.shape[0]);
        return next(x);
      });
      const applied = applyTechnique(mixlora, model, mixlora.validate({ topK }), { seed: 1, totalSteps: 1, sampleBatches: () => [], loss: () => tf.scalar(0) });
      const b = tinyBatch(6, 42);
      tf.tidy(() => model.hidden(b.ids, b.mask));
      const N = b.ids.size;
      assert.equal(rows.reduce((a, c) => a + c, 0), N * topK, `top-${topK}: ${rows} rows for ${N} tokens`);
      assert.ok(rows.length <= 8);
      tf.dispose([b.ids, b.mask, b.labels]);
      applied.dispose();
      model.dispose();
    }
  });
});
