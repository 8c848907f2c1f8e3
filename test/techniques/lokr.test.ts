// LoKr: ΔW = s·C ⊗ (A B) over a near-square factorisation of each dim, zero at init through C = 0.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { factorize, lokr } from '../../techniques/adapter/lokr.js';
import { maxAbsDiff, tinyModel, tinyObjective, useBackend } from '../helpers/tiny.js';
import type { Model } from '../../harness/model/model.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model) => ({ seed: 3, totalSteps: 10, sampleBatches: () => [], loss: (b: never) => tinyObjective.loss(m, b) });

describe('lokr', () => {
  before(useBackend);

  it('factorises each dim into the pair closest to its square root', () => {
    assert.deepEqual(factorize(16), [4, 4]);
    assert.deepEqual(factorize(32), [4, 8]);
    assert.deepEqual(factorize(768), [24, 32]);
    assert.deepEqual(factorize(13), [1, 13]);
    assert.deepEqual(factorize(32, 2), [2, 16]);
  });

  for (const r of [1, 8]) {
    it(`merges ΔW = s·C ⊗ (A B) (r = ${r}: ${r === 1 ? 'low-rank' : 'full'} second factor)`, () => {
      const model = tinyModel('decoder');
      const cfg = lokr.validate({ r, alpha: 2, targets: 'layers.1.ffn.down' }); // W [32, 16]: C [4, 4], second factor [8, 4]
      const applied = applyTechnique(lokr, model, cfg, ctx(model));
      const name = 'layers.1.ffn.down';
      const state = applied.adapterState();
      assert.deepEqual(state[`${name}.lokr_C`].shape, [4, 4]);
      assert.ok(maxAbsDiff(state[`${name}.lokr_C`].dataSync(), new Float32Array(16)) === 0, 'C starts at zero');
      const moved = Object.fromEntries(Object.entries(state).map(([k, v], i) => [k, k.includes('lokr') ? tf.randomNormal(v.shape, 0, 0.5, 'float32', i) : v]));
      applied.loadAdapterState(moved);
      const W0 = model.params.get(`${name}.weight`)!.dataSync().slice();
      applied.merge!();
      const W1 = model.params.get(`${name}.weight`)!.dataSync();
      const C = moved[`${name}.lokr_C`].dataSync();
      // The second factor D [8, 4]: full, or A [8, r] B [r, 4].
      const D =
        r === 1
          ? (() => {
              const [A, B] = [moved[`${name}.lokr_A`].dataSync(), moved[`${name}.lokr_B`].dataSync()];
              return Array.from({ length: 32 }, (_, idx) => A[Math.floor(idx / 4)] * B[idx % 4]);
            })()
          : Array.from(moved[`${name}.lokr_D`].dataSync());
      const s = cfg.alpha / r;
      for (let i = 0; i < 32; i++) {
        for (let j = 0; j < 16; j++) {
          const kron = C[Math.floor(i / 8) * 4 + Math.floor(j / 4)] * D[(i % 8) * 4 + (j % 4)];
          assert.ok(Math.abs(W1[i * 16 + j] - W0[i * 16 + j] - s * kron) < 1e-5, `ΔW[${i}, ${j}]`);
        }
      }
      tf.dispose([...Object.values(state), ...Object.values(moved)]);
      model.dispose();
    });
  }
});
