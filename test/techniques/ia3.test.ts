// (IA)³: vectors start at 1, rescale exactly k, v and the FFN activation, and merge into W to the same outputs.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ia3 } from '../../techniques/adapter/ia3.js';
import type { Family } from '../../harness/model/config.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, tinyObjective, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: ReturnType<typeof tinyModel>) => ({ seed: 1, totalSteps: 1, sampleBatches: () => [], loss: (b: any) => tinyObjective.loss(m, b) });

for (const family of ['encoder', 'decoder'] as Family[]) {
  describe(`ia3 (${family})`, () => {
    before(useBackend);

    it('has one vector per key, value and FFN activation, all ones at init', () => {
      const m = tinyModel(family);
      const a = applyTechnique(ia3, m, ia3.defaults, ctx(m));
      const [vecs] = a.paramGroups();
      const { nLayers, dModel, dFF } = m.config;
      assert.deepEqual(vecs.vars.map((v) => v.size).sort((x, y) => x - y), [...Array(2 * nLayers).fill(dModel), ...Array(nLayers).fill(dFF)]);
      for (const v of vecs.vars) assert.ok(v.dataSync().every((x) => x === 1));
      a.dispose();
      m.dispose();
    });

    it('rescales the keys, values and FFN activation, and the merged model equals the unmerged', () => {
      const m = tinyModel(family);
      const b = tinyBatch(4, 3);
      // The tiny base's biases are zero; give the encoder's non-zero ones so merging must scale them too.
      for (const [, v] of m.named('layers.*.attn.*.bias')) v.assign(tf.randomNormal(v.shape, 0, 0.5, 'float32', 9));
      const base = outputs(m, b);
      const wk = m.params.get('layers.0.attn.k.weight')!.dataSync().slice();
      const wDown = m.params.get('layers.1.ffn.down.weight')!.dataSync().slice();
      const a = applyTechnique(ia3, m, ia3.defaults, ctx(m));
      const state = a.adapterState();
      const lk = tf.randomUniform([m.config.dModel], 0.5, 1.5, 'float32', 1);
      const lff = tf.randomUniform([m.config.dFF], 0.5, 1.5, 'float32', 2);
      state['layers.0.attn.k.ia3_l'] = lk;
      state['layers.1.ffn.act.ia3_l'] = lff;
      for (const k of Object.keys(state)) if (k.includes('attn.v')) state[k] = tf.fill([m.config.dModel], 0.7);
      a.loadAdapterState(state);
      const k0 = tf.tidy(() => m.linears.get('layers.0.attn.k')!.forward(tf.ones([1, m.config.dModel])));
      const kBase = tf.tidy(() => m.linears.get('layers.0.attn.k')!.base(tf.ones([1, m.config.dModel])));
      assert.ok(maxAbsDiff(k0.dataSync(), tf.mul(kBase, lk).dataSync()) < 1e-6, 'keys are not rescaled by l_k');
      const unmerged = outputs(m, b);
      assert.ok(maxAbsDiff(unmerged, base) > 1e-3, 'non-identity vectors left the output unchanged');

      a.merge!();
      assert.equal(m.hooks.has('layers.0.attn.k') || m.hooks.has('layers.0.ffn.act'), false, 'merge left hooks in place');
      assert.ok(maxAbsDiff(outputs(m, b), unmerged) < 1e-5, 'merged output differs from unmerged');
      // l_k scales W_k's columns; l_ff scales W_down's rows.
      const d = m.config.dModel;
      const lkv = lk.dataSync();
      const lffv = lff.dataSync();
      const wk2 = m.params.get('layers.0.attn.k.weight')!.dataSync();
      const wDown2 = m.params.get('layers.1.ffn.down.weight')!.dataSync();
      assert.ok(maxAbsDiff(wk2, wk.map((w, i) => w * lkv[i % d])) < 1e-6);
      assert.ok(maxAbsDiff(wDown2, wDown.map((w, i) => w * lffv[Math.floor(i / d)])) < 1e-6);
      tf.dispose([k0, kBase, ...Object.values(state)]);
      a.dispose();
      m.dispose();
    });
  });
}
