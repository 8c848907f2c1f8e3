// QA-LoRA: merging leaves the codes as they are and moves only the zero points, so the merged weight is exactly on the INT-k grid.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { groupFor, qalora } from '../../techniques/quantization/qalora.js';
import { quantizeIntK } from '../../techniques/quantization/quant/intk.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, useBackend } from '../helpers/tiny.js';
import { Rng } from '../../core/rng.js';
import { effectiveWeight, noDataCtx } from '../helpers/quant.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = noDataCtx;

/**
 * Largest distance from "W = s·(q − c) with one constant c per group and column", for the codes q and scales s of
 * an independent re-quantization of the fp32 weight: 0 when W lies on that group's grid (any zero point).
 */
function offGrid(w: Float32Array, fp32: Float32Array, dIn: number, dOut: number, bits: 2 | 3 | 4, group: number): number {
  const q = quantizeIntK(fp32, dIn, dOut, { bits, group, symmetric: false });
  let worst = 0;
  for (let t = 0; t < dIn / group; t++) {
    for (let j = 0; j < dOut; j++) {
      const s = q.scale[t * dOut + j];
      const c0 = q.codes[t * group * dOut + j] - w[t * group * dOut + j] / s;
      for (let i = t * group; i < (t + 1) * group; i++) worst = Math.max(worst, Math.abs(q.codes[i * dOut + j] - w[i * dOut + j] / s - c0));
    }
  }
  return worst;
}

describe('qalora', () => {
  before(useBackend);

  for (const family of ['encoder', 'decoder'] as const) {
    it(`${family}: merged weight on the quantization grid (a plain LoRA update would not be), codes kept, outputs unchanged`, () => {
      const model = tinyModel(family);
      const fp32 = new Map([...model.linears].map(([n, l]) => [n, (l.weight.dataSync() as Float32Array).slice()]));
      const applied = applyTechnique(qalora, model, qalora.defaults, ctx);
      const cfg = qalora.defaults;
      const targets = model.find(cfg.targets);
      for (const l of targets) {
        const g = groupFor(l.dIn, cfg.group);
        assert.ok(l.dIn / g >= 4 && l.dIn % g === 0);
        assert.ok(offGrid(effectiveWeight(model, l.name), fp32.get(l.name)!, l.dIn, l.dOut, cfg.bits, g) < 1e-3, `${l.name} at init`);
      }
      // Non-zero adapters (B = 0 at init would make the check vacuous).
      const rng = new Rng(4);
      const state = applied.adapterState();
      for (const k of Object.keys(state).filter((k) => k.endsWith('.qalora_B'))) {
        const b = state[k];
        state[k] = tf.tensor(Float32Array.from({ length: b.size }, () => (rng.next() - 0.5) * 0.2), b.shape);
        b.dispose();
      }
      applied.loadAdapterState(state);
      tf.dispose(Object.values(state));
      const batch = tinyBatch(4, 9);
      const before = outputs(model, batch);
      const unmerged = new Map(targets.map((l) => [l.name, effectiveWeight(model, l.name)]));
      applied.merge!();
      assert.ok(maxAbsDiff(outputs(model, batch), before) < 1e-4, 'merging changed the outputs');
      for (const l of targets) {
        const g = groupFor(l.dIn, cfg.group);
        const merged = effectiveWeight(model, l.name);
        assert.ok(maxAbsDiff(merged, unmerged.get(l.name)!) < 1e-5, `${l.name}: merged weight ≠ W̃ + pooled ΔW`);
        assert.ok(offGrid(merged, fp32.get(l.name)!, l.dIn, l.dOut, cfg.bits, g) < 1e-3, `${l.name}: merged weight left the grid`);
        // A plain LoRA update of the same size varies within a group, so W̃ + ΔW is off the grid.
        const dense = tf.tidy(() => tf.add(tf.tensor(merged, [l.dIn, l.dOut]), tf.mul(tf.randomNormal([l.dIn, l.dOut], 0, 1, 'float32', 5), 0.05)).dataSync() as Float32Array);
        assert.ok(offGrid(dense, fp32.get(l.name)!, l.dIn, l.dOut, cfg.bits, g) > 0.05, 'the grid check can fail');
      }
      applied.dispose();
      model.dispose();
    });
  }

  it('keeps at least 4 groups on narrow layers and uses the configured group where it fits', () => {
    assert.equal(groupFor(4096, 32), 32);
    assert.equal(groupFor(128, 32), 32);
    assert.equal(groupFor(64, 32), 16);
    assert.equal(groupFor(16, 32), 4);
    assert.equal(groupFor(172, 32), 4); // 172 = 4 · 43
  });
});
