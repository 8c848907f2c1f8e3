// MoLA: the number of LoRA experts per layer follows the configured allocation (2-4-6-8: more in higher layers).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mola, expertsPerLayer } from '../../techniques/mixture-of-experts/mola.js';
import { Model } from '../../harness/model/model.js';
import { tinyBatch, tinyConfig, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

describe('mola', () => {
  before(useBackend);

  it('spreads the allocation groups evenly over the layers', () => {
    assert.deepEqual(expertsPerLayer([2, 4, 6, 8], 4), [2, 4, 6, 8]);
    assert.deepEqual(expertsPerLayer([2, 4, 6, 8], 8), [2, 2, 4, 4, 6, 6, 8, 8]);
    assert.deepEqual(expertsPerLayer([2, 4, 6, 8], 2), [2, 6]);
    assert.deepEqual(expertsPerLayer([8, 6, 4, 2], 4), [8, 6, 4, 2]);
  });

  it('builds per-layer routers and experts of the configured sizes', () => {
    const model = new Model({ ...tinyConfig('decoder'), nLayers: 4 }, 5);
    model.addHead(2);
    const applied = applyTechnique(mola, model, mola.defaults, { seed: 1, totalSteps: 1, sampleBatches: () => [], loss: () => tf.scalar(0) });
    const state = applied.adapterState();
    const { r } = mola.defaults;
    [2, 4, 6, 8].forEach((E, l) => {
      for (const [lin, dIn] of [['attn.q', 16], ['attn.v', 16], ['ffn.down', 32]] as const) {
        assert.deepEqual(state[`layers.${l}.${lin}.moe_router`].shape, [dIn, E], `layer ${l} ${lin}`);
        assert.equal(state[`layers.${l}.${lin}.moe_lora_A`].shape[1], E * r);
      }
    });
    // Utilisation is reported per layer over that layer's experts.
    const b = tinyBatch(4, 3);
    tf.tidy(() => model.hidden(b.ids, b.mask));
    const keys = Object.keys(applied.metrics!());
    assert.deepEqual([0, 1, 2, 3].map((l) => keys.filter((k) => k.startsWith(`util.layer${l}.`)).length), [2, 4, 6, 8]);
    tf.dispose([...Object.values(state), b.ids, b.mask, b.labels]);
    applied.dispose();
    model.dispose();
  });
});
