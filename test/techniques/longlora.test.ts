// LongLoRA: S²-Attn while training (groups, half the heads shifted by half a group), full attention in evaluation,
// embeddings and norms trainable, decoder only.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { longlora, shiftedGroupBias } from '../../techniques/application/longlora.js';
import { maxAbsDiff, tinyModel, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = { seed: 1, totalSteps: 1, sampleBatches: () => [], loss: () => tf.scalar(0) };

describe('longlora', () => {
  before(useBackend);

  it('groups keys in blocks of G, shifted by G/2 in the second half of the heads', () => {
    const [H, T, G] = [4, 12, 4];
    const b = shiftedGroupBias(H, T, T, G).dataSync();
    const sees = (h: number, t: number, s: number) => b[(h * T + t) * T + s] === 0;
    for (let h = 0; h < H; h++) {
      const shift = h < H / 2 ? 0 : G / 2;
      for (let t = 0; t < T; t++) {
        const visible = Array.from({ length: T }, (_, s) => s).filter((s) => sees(h, t, s));
        const start = shift === 0 ? t - (t % G) : Math.max(0, t + shift - ((t + shift) % G) - shift);
        assert.deepEqual(visible, Array.from({ length: T }, (_, s) => s).filter((s) => s >= start && s < Math.min(T, start + (start === 0 && shift ? G / 2 : G))), `head ${h} query ${t}`);
      }
    }
    // The shifted heads join neighbouring groups: the last token of group 0 and the first of group 1 meet there.
    assert.ok(!sees(0, G, G - 1) && sees(H - 1, G, G - 1));
  });

  it('trains with S²-Attn and evaluates with full attention', () => {
    // 2 layers, groups of 8 in 32 tokens: through S²-Attn the last token reaches back to token 20 at most.
    const model = tinyModel('decoder');
    const applied = applyTechnique(longlora, model, longlora.validate({ dropout: 0, minGroup: 2 }), ctx);
    const ids = (first: number) => tf.tensor2d([[first, ...Array.from({ length: 31 }, (_, i) => 8 + ((i * 7) % 40))]], [1, 32], 'int32');
    const mask = tf.ones([1, 32]) as tf.Tensor2D;
    const last = (first: number, training: boolean) => {
      model.training = training;
      const x = ids(first);
      const h = tf.tidy(() => tf.slice(model.hidden(x, mask), [0, 31, 0], [1, 1, -1]));
      const out = h.dataSync().slice();
      tf.dispose([h, x]);
      model.training = false;
      return out;
    };
    assert.ok(maxAbsDiff(last(9, true), last(10, true)) < 1e-6, 'in training the last token must not see the first');
    assert.ok(maxAbsDiff(last(9, false), last(10, false)) > 1e-4, 'in evaluation attention is full');
    mask.dispose();
    applied.dispose();
    model.dispose();
  });

  it('trains LoRA on attention, embeddings and norms; decoder only', () => {
    const model = tinyModel('decoder');
    const applied = applyTechnique(longlora, model, longlora.defaults, ctx);
    const names = new Map([...model.params].map(([n, v]) => [v, n]));
    const trained = applied.paramGroups().flatMap((g) => g.vars).map((v) => names.get(v)).filter(Boolean) as string[];
    assert.ok(trained.includes('embed.tok.weight') && trained.includes('norm.weight') && trained.includes('layers.1.attn_norm.weight'));
    assert.ok(!trained.some((n) => n.includes('.attn.q.weight')), 'attention weights stay frozen (LoRA adapts them)');
    assert.equal(applied.adapterState()['layers.0.attn.o.lora_A'].shape[1], longlora.defaults.r);
    assert.ok(longlora.properties.changesBase);
    assert.match(longlora.unsupported!(tinyModel('encoder')) ?? '', /learned absolute positions/);
    applied.dispose();
    model.dispose();
  });
});
