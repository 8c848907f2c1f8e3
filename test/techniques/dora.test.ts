// DoRA: the magnitude starts as W's column norms (one per output unit), and merging gives W' = m ⊙ V/‖V‖_c exactly.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { dora } from '../../techniques/adapter/dora.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, tinyObjective, useBackend } from '../helpers/tiny.js';
import type { Model } from '../../harness/model/model.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model) => ({ seed: 3, totalSteps: 10, sampleBatches: () => [], loss: (b: never) => tinyObjective.loss(m, b) });

/** Column norms of a row-major [rows, cols] matrix: over the rows, one per column. */
function colNorms(w: ArrayLike<number>, rows: number, cols: number): number[] {
  return Array.from({ length: cols }, (_, j) => Math.sqrt(Array.from({ length: rows }, (_, i) => w[i * cols + j] ** 2).reduce((a, b) => a + b, 0)));
}

describe('dora', () => {
  before(useBackend);

  it('starts with m = ‖W‖_c, the norm over d_in of each output unit', () => {
    const model = tinyModel('decoder');
    const applied = applyTechnique(dora, model, dora.validate({ targets: 'layers.*.ffn.{up,down}' }), ctx(model));
    const state = applied.adapterState();
    for (const name of ['layers.0.ffn.up', 'layers.1.ffn.down']) {
      const W = model.params.get(`${name}.weight`)!;
      const [dIn, dOut] = W.shape as [number, number];
      const m = state[`${name}.magnitude`];
      assert.deepEqual(m.shape, [dOut], `${name}: one magnitude per output unit`);
      assert.ok(maxAbsDiff(m.dataSync(), colNorms(W.dataSync(), dIn, dOut)) < 1e-6);
    }
    tf.dispose(Object.values(state));
    applied.dispose();
    model.dispose();
  });

  it('merges exactly into m ⊙ (W + s·A B)/‖W + s·A B‖_c', () => {
    const model = tinyModel('encoder');
    const cfg = dora.validate({ r: 4, alpha: 8, targets: 'layers.*.ffn.up' });
    const applied = applyTechnique(dora, model, cfg, ctx(model));
    // Move every adapter tensor off its init so the check cannot pass by W' = W.
    const state = applied.adapterState();
    const moved = Object.fromEntries(Object.entries(state).map(([k, v], i) => [k, k.startsWith('head.') ? v : tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', i))]));
    applied.loadAdapterState(moved);
    const batch = tinyBatch(4, 9);
    const before = outputs(model, batch);
    const name = 'layers.0.ffn.up';
    const W0 = model.params.get(`${name}.weight`)!.dataSync().slice();
    const [A, B, m] = ['lora_A', 'lora_B', 'magnitude'].map((k) => moved[`${name}.${k}`].dataSync());
    const [dIn, dOut] = [16, 32];
    const V = Array.from({ length: dIn * dOut }, (_, idx) => {
      const [i, j] = [Math.floor(idx / dOut), idx % dOut];
      let ab = 0;
      for (let k = 0; k < cfg.r; k++) ab += A[i * cfg.r + k] * B[k * dOut + j];
      return W0[idx] + (cfg.alpha / cfg.r) * ab;
    });
    const n = colNorms(V, dIn, dOut);
    const expected = V.map((v, idx) => (m[idx % dOut] * v) / n[idx % dOut]);

    applied.merge!();
    const W1 = model.params.get(`${name}.weight`)!.dataSync();
    assert.ok(maxAbsDiff(W1, expected) < 1e-5, `merged W differs from the formula by ${maxAbsDiff(W1, expected)}`);
    assert.ok(maxAbsDiff(colNorms(W1, dIn, dOut), Array.from(m, Math.abs)) < 1e-5, 'merged column norms equal |m|');
    assert.ok(maxAbsDiff(W1, W0) > 1e-3, 'the merge changed W');
    assert.ok(maxAbsDiff(outputs(model, batch), before) < 1e-5);
    tf.dispose([...Object.values(state), ...Object.values(moved)]);
    model.dispose();
  });
});
