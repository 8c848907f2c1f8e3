// MixLoRA's top-k routing: every token goes to exactly k experts, with renormalised weights, in the router and in the FFN,
// and the FFN's output is Σ over those experts of g_e · FFN_e(x) with FFN_e the SwiGLU on W + s A_e B_e.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mixlora } from '../../techniques/mixture-of-experts/mixlora.js';
import { Router } from '../../techniques/mixture-of-experts/moe/router.js';
import { maxAbsDiff, tinyBatch, tinyModel, useBackend } from '../helpers/tiny.js';
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

  it('the FFN output is Σ over the top-k experts of g_e · FFN_e(x), each expert with its own W + s A_e B_e', () => {
    const model = tinyModel('decoder');
    const cfg = mixlora.validate({ topK: 2, dropout: 0 });
    const applied = applyTechnique(mixlora, model, cfg, { seed: 1, totalSteps: 1, sampleBatches: () => [], loss: () => tf.scalar(0) });
    // Distinct experts: every expert's B random (they start at 0, which would make all experts the base FFN).
    const state = applied.adapterState();
    const perturbed = Object.fromEntries(
      Object.entries(state).map(([n, t], i) => [n, /\.expert\d+\.lora_B$/.test(n) ? tf.randomNormal(t.shape, 0, 0.5, 'float32', 100 + i) : t]),
    );
    applied.loadAdapterState(perturbed);
    // Outermost wrapper of layer 0's FFN (registered after the plugin): its input and the mixture's output.
    let seen: { x: tf.Tensor2D; y: tf.Tensor2D } | null = null;
    const d = model.config.dModel;
    model.hooks.wrap('layers.0.ffn', (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
      const y = next(x);
      seen = { x: tf.keep(tf.reshape(x, [-1, d])) as tf.Tensor2D, y: tf.keep(tf.reshape(y, [-1, d])) as tf.Tensor2D };
      return y;
    });
    const b = tinyBatch(4, 42);
    tf.tidy(() => model.hidden(b.ids, b.mask));
    const { x, y } = seen!;
    // The reference, written independently of the plugin: softmax router, top-2 renormalised, SwiGLU per expert.
    const s = cfg.alpha / cfg.r;
    const W = (lin: string, e: number) =>
      tf.add(model.params.get(`layers.0.ffn.${lin}.weight`)!, tf.mul(tf.matMul(perturbed[`layers.0.ffn.${lin}.expert${e}.lora_A`], perturbed[`layers.0.ffn.${lin}.expert${e}.lora_B`]), s));
    const ffn = (e: number) => tf.tidy(() => tf.matMul(tf.mul(tf.mul(tf.matMul(x, W('gate', e)), tf.sigmoid(tf.matMul(x, W('gate', e)))), tf.matMul(x, W('up', e))), W('down', e)));
    const perExpert = Array.from({ length: cfg.experts }, (_, e) => ffn(e).arraySync() as number[][]);
    const probs = tf.tidy(() => tf.softmax(tf.matMul(x, perturbed['layers.0.ffn.moe_router']))).arraySync() as number[][];
    const got = y.arraySync() as number[][];
    let worst = 0;
    probs.forEach((p, n) => {
      const top = p.map((v, e) => [v, e]).sort((a, c) => c[0] - a[0]).slice(0, 2);
      const z = top[0][0] + top[1][0];
      for (let j = 0; j < d; j++) {
        const want = top.reduce((acc, [g, e]) => acc + (g / z) * perExpert[e][n][j], 0);
        worst = Math.max(worst, Math.abs(got[n][j] - want));
      }
    });
    assert.ok(worst < 1e-4, `the FFN output differs from Σ g_e FFN_e(x) by ${worst}`);
    // Non-vacuity: the experts really compute different functions, so routing a token to the wrong one shows.
    assert.ok(maxAbsDiff(Float32Array.from(perExpert[0].flat()), Float32Array.from(perExpert[1].flat())) > 1e-2, 'experts 0 and 1 compute the same FFN');
    tf.dispose([x, y, b.ids, b.mask, b.labels, ...Object.values(state), ...Object.values(perturbed)]);
    applied.dispose();
    model.dispose();
  });
});
