// VeRA: one frozen random pair A, B serves every layer (sliced to its size); only the vectors d (init 0.1) and b (init 0) train.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { vera, veraProjections } from '../../techniques/adapter/vera.js';
import { maxAbsDiff, tinyModel, tinyObjective, useBackend } from '../helpers/tiny.js';
import type { Model } from '../../harness/model/model.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model) => ({ seed: 3, totalSteps: 10, sampleBatches: () => [], loss: (b: never) => tinyObjective.loss(m, b) });
// d_in × d_out of 16×16, 16×32 and 32×16: the shared pair is sized 32 × r × 32 and sliced per layer.
const TARGETS = 'layers.*.{attn.q,ffn.{up,down}}';

describe('vera', () => {
  before(useBackend);

  it('trains only d (init dInit) and b (init 0) per layer, and saves no random matrix', () => {
    const model = tinyModel('encoder');
    const cfg = vera.validate({ r: 6, targets: TARGETS });
    const applied = applyTechnique(vera, model, cfg, ctx(model));
    const head = new Set(model.named('head.**').map(([, v]) => v));
    const vars = applied.paramGroups().flatMap((g) => g.vars).filter((v) => !head.has(v));
    assert.equal(vars.length, 2 * 6, 'a d and a b for each of the 6 layers');
    const state = applied.adapterState();
    for (const l of model.find(TARGETS)) {
      assert.deepEqual(Array.from(state[`${l.name}.vera_lambda_d`].dataSync()), Array(6).fill(0.1).map(Math.fround));
      assert.deepEqual(Array.from(state[`${l.name}.vera_lambda_b`].dataSync()), Array(l.dOut).fill(0));
    }
    const saved = Object.keys(state).filter((k) => !k.startsWith('head.'));
    assert.ok(saved.every((k) => /\.vera_lambda_[db]$/.test(k) || k === 'vera.projection_seed'), `saved: ${saved}`);
    // Footprint: trainable = Σ (r + d_out) + head; extra = shared A [32, r] + B [r, 32] + the vectors.
    const vectors = model.find(TARGETS).reduce((n, l) => n + 6 + l.dOut, 0);
    const fp = applied.footprint();
    assert.equal(fp.extraParams, 32 * 6 + 6 * 32 + vectors);
    tf.dispose(Object.values(state));
    applied.dispose();
    model.dispose();
  });

  it('gives every layer ΔW = A[:d_in] Λ_d B[:, :d_out] Λ_b from the same A, B', () => {
    const model = tinyModel('decoder');
    const cfg = vera.validate({ r: 6, targets: TARGETS });
    const applied = applyTechnique(vera, model, cfg, ctx(model));
    const state = applied.adapterState();
    const moved = Object.fromEntries(Object.entries(state).map(([k, v], i) => [k, k.includes('vera_lambda') ? tf.randomNormal(v.shape, 0, 1, 'float32', i) : v]));
    applied.loadAdapterState(moved);
    const layers = model.find(TARGETS);
    const W0 = layers.map((l) => l.weight.dataSync().slice());
    applied.merge!();
    const { A, B } = veraProjections(32, 32, cfg.r, cfg.projectionSeed);
    const [a, b] = [A.dataSync(), B.dataSync()];
    layers.forEach((l, li) => {
      const d = moved[`${l.name}.vera_lambda_d`].dataSync();
      const bv = moved[`${l.name}.vera_lambda_b`].dataSync();
      const W1 = l.weight.dataSync();
      const delta = Array.from({ length: l.dIn * l.dOut }, (_, idx) => W1[idx] - W0[li][idx]);
      const expected = Array.from({ length: l.dIn * l.dOut }, (_, idx) => {
        const [i, j] = [Math.floor(idx / l.dOut), idx % l.dOut];
        let s = 0;
        for (let k = 0; k < cfg.r; k++) s += a[i * cfg.r + k] * d[k] * b[k * 32 + j];
        return s * bv[j];
      });
      assert.ok(maxAbsDiff(delta, expected) < 1e-5, `${l.name}: ΔW differs by ${maxAbsDiff(delta, expected)}`);
      assert.ok(maxAbsDiff(delta, new Array(delta.length).fill(0)) > 1e-3);
    });
    tf.dispose([A, B, ...Object.values(state), ...Object.values(moved)]);
    model.dispose();
  });
});
