// LoHa: ΔW = s·(A₁B₁) ⊙ (A₂B₂), zero at init through one zero factor, and of rank up to r² (above LoRA's r).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loha } from '../../techniques/adapter/loha.js';
import { svdArrays } from '../../techniques/shared/svd.js';
import { maxAbsDiff, tinyModel, tinyObjective, useBackend } from '../helpers/tiny.js';
import type { Model } from '../../harness/model/model.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model) => ({ seed: 3, totalSteps: 10, sampleBatches: () => [], loss: (b: never) => tinyObjective.loss(m, b) });

function matmul(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): number[] {
  return Array.from({ length: n * m }, (_, idx) => {
    let s = 0;
    for (let t = 0; t < k; t++) s += a[Math.floor(idx / m) * k + t] * b[t * m + (idx % m)];
    return s;
  });
}

describe('loha', () => {
  before(useBackend);

  it('merges ΔW = s·(A₁B₁) ⊙ (A₂B₂), which can exceed rank r', () => {
    const model = tinyModel('encoder');
    const cfg = loha.validate({ r: 2, alpha: 4, targets: 'layers.0.ffn.up' });
    const applied = applyTechnique(loha, model, cfg, ctx(model));
    const name = 'layers.0.ffn.up';
    const state = applied.adapterState();
    assert.ok(maxAbsDiff(state[`${name}.hada_A2`].dataSync(), new Float32Array(16 * 2)) === 0, 'A₂ starts at zero');
    const moved = Object.fromEntries(Object.entries(state).map(([k, v], i) => [k, k.includes('hada') ? tf.randomNormal(v.shape, 0, 0.5, 'float32', i) : v]));
    applied.loadAdapterState(moved);
    const W0 = model.params.get(`${name}.weight`)!.dataSync().slice();
    applied.merge!();
    const W1 = model.params.get(`${name}.weight`)!.dataSync();
    const delta = Array.from(W1, (w, i) => w - W0[i]);
    const [A1, B1, A2, B2] = ['hada_A1', 'hada_B1', 'hada_A2', 'hada_B2'].map((k) => moved[`${name}.${k}`].dataSync());
    const p1 = matmul(A1, B1, 16, 2, 32);
    const p2 = matmul(A2, B2, 16, 2, 32);
    const expected = p1.map((v, i) => 2 * v * p2[i]);
    assert.ok(maxAbsDiff(delta, expected) < 1e-5, `ΔW differs by ${maxAbsDiff(delta, expected)}`);
    const S = svdArrays(delta, 16, 32).S;
    const rank = S.filter((s) => s > 1e-4 * S[0]).length;
    assert.ok(rank > cfg.r && rank <= cfg.r * cfg.r, `rank ${rank}`);
    tf.dispose([...Object.values(state), ...Object.values(moved)]);
    model.dispose();
  });
});
