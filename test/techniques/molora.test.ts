// MoLoRA: a soft mixture of LoRA experts, y = xW + s Σ_e g_e(x) x A_e B_e with Σ_e g_e = 1: identical experts make
// exactly one LoRA (checked against the shared LoRA layer), distinct ones make the update token-dependent.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { molora } from '../../techniques/mixture-of-experts/molora.js';
import { loraAdapter } from '../../techniques/shared/delta-layer.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = { seed: 1, totalSteps: 1, sampleBatches: () => [], loss: () => tf.scalar(0) };

describe('molora', () => {
  before(useBackend);

  it('with identical experts equals a single LoRA, for any router', () => {
    const cfg = molora.defaults;
    const { r, experts: E } = cfg;
    const model = tinyModel('decoder');
    const applied = applyTechnique(molora, model, cfg, ctx);
    const st = applied.adapterState();
    const reference = tinyModel('decoder');
    const lora = loraAdapter(reference, reference.find(cfg.targets), { r, scale: cfg.alpha / r, dropout: 0, seed: 3 });
    const loraState: Record<string, tf.Tensor> = {};
    const moe: Record<string, tf.Tensor> = { ...st };
    let seed = 70;
    for (const { linear: p } of lora.layers) {
      const A = tf.randomNormal([p.dIn, r], 0, 0.5, 'float32', seed++);
      const B = tf.randomNormal([r, p.dOut], 0, 0.5, 'float32', seed++);
      loraState[`${p.name}.lora_A`] = A;
      loraState[`${p.name}.lora_B`] = B;
      moe[`${p.name}.moe_lora_A`] = tf.tile(A, [1, E]); // [d_in, E·r]: A_e = A
      moe[`${p.name}.moe_lora_B`] = tf.tile(B, [E, 1]); // [E·r, d_out]: B_e = B
      moe[`${p.name}.moe_router`] = tf.randomNormal(st[`${p.name}.moe_router`].shape, 0, 2, 'float32', seed++);
    }
    lora.load(loraState);
    applied.loadAdapterState(moe);
    const b = tinyBatch(6, 42);
    const want = outputs(reference, b);
    const base = outputs(tinyModel('decoder'), b);
    assert.ok(maxAbsDiff(want, base) > 1e-3);
    assert.ok(maxAbsDiff(outputs(model, b), want) < 1e-4, `differs from LoRA by ${maxAbsDiff(outputs(model, b), want)}`);

    // Now make the experts distinct: the output depends on how tokens are routed.
    for (const { linear: p } of lora.layers) moe[`${p.name}.moe_lora_B`] = tf.randomNormal([E * r, p.dOut], 0, 0.5, 'float32', seed++);
    applied.loadAdapterState(moe);
    const y = outputs(model, b);
    for (const { linear: p } of lora.layers) moe[`${p.name}.moe_router`] = tf.randomNormal(st[`${p.name}.moe_router`].shape, 0, 2, 'float32', seed++);
    applied.loadAdapterState(moe);
    assert.ok(maxAbsDiff(outputs(model, b), y) > 1e-4);
    lora.dispose();
    applied.dispose();
    model.dispose();
    reference.dispose();
  });
});
