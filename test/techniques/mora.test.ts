// MoRA: r̂² ≈ LoRA's r·(d_in + d_out) parameters, M = 0 at init, yet ΔW reaches a rank a LoRA of that size cannot.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mora, moraRank } from '../../techniques/adapter/mora.js';
import { lora } from '../../techniques/adapter/lora.js';
import { svdArrays } from '../../techniques/shared/svd.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, tinyObjective, useBackend } from '../helpers/tiny.js';
import type { AnyTechnique } from '../../harness/plugin.js';
import type { Model } from '../../harness/model/model.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model) => ({ seed: 3, totalSteps: 10, sampleBatches: () => [], loss: (b: never) => tinyObjective.loss(m, b) });
const NAME = 'layers.0.ffn.up'; // W [16, 32]

/** Applies `t` to one layer, randomises its adapter tensors, merges, and returns rank(ΔW) and the trainable count. */
function mergedDeltaRank(t: AnyTechnique, config: object): { rank: number; params: number; zeroAtInit: boolean } {
  const model = tinyModel('encoder');
  const batch = tinyBatch(4, 1);
  const base = outputs(model, batch);
  const applied = applyTechnique(t, model, t.validate({ ...config, targets: NAME }), ctx(model));
  const zeroAtInit = maxAbsDiff(outputs(model, batch), base) === 0;
  const state = applied.adapterState();
  const moved = Object.fromEntries(Object.entries(state).map(([k, v], i) => [k, k.startsWith(NAME) ? tf.randomNormal(v.shape, 0, 1, 'float32', 11 + i) : v]));
  applied.loadAdapterState(moved);
  const params = Object.keys(moved).filter((k) => k.startsWith(NAME)).reduce((n, k) => n + moved[k].size, 0);
  const W0 = model.params.get(`${NAME}.weight`)!.dataSync().slice();
  const y = outputs(model, batch);
  applied.merge!();
  assert.ok(maxAbsDiff(outputs(model, batch), y) < 1e-4, 'merge keeps the outputs');
  const W1 = model.params.get(`${NAME}.weight`)!.dataSync();
  const S = svdArrays(Array.from(W1, (w, i) => w - W0[i]), 16, 32).S;
  tf.dispose([...Object.values(state), ...Object.values(moved)]);
  model.dispose();
  return { rank: S.filter((s) => s > 1e-4 * S[0]).length, params, zeroAtInit };
}

describe('mora', () => {
  before(useBackend);

  it('sizes r̂ so r̂² ≈ r·(d_in + d_out), LoRA parameter parity', () => {
    assert.equal(moraRank(16, 32, 2, 'sharing'), 10); // √96 ≈ 9.8
    assert.equal(moraRank(16, 32, 2, 'rotation'), 10);
    assert.equal(moraRank(768, 768, 8, 'rotation'), 110); // √12288 ≈ 110.9
    assert.equal(moraRank(768, 768, 256, 'sharing'), 627);
  });

  for (const compress of ['sharing', 'rotation'] as const) {
    it(`${compress}: rank of ΔW exceeds a LoRA with as many parameters`, () => {
      const m = mergedDeltaRank(mora as AnyTechnique, { r: 2, compress });
      const l = mergedDeltaRank(lora as AnyTechnique, { r: 2 });
      assert.ok(m.zeroAtInit && l.zeroAtInit, 'both start as the base');
      assert.ok(Math.abs(m.params - l.params) <= 0.1 * l.params, `parameters: MoRA ${m.params}, LoRA ${l.params}`);
      assert.ok(l.rank <= 2);
      assert.ok(m.rank > l.rank && m.rank >= 8, `MoRA rank ${m.rank} vs LoRA ${l.rank}`);
    });
  }
});
