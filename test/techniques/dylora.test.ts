// DyLoRA: each training step uses a truncated rank b ≤ r (scaled α/b), evaluation uses r, metrics() scores several ranks.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { dylora } from '../../techniques/training-method/dylora.js';
import { AdamW } from '../../harness/train/adamw.js';
import { tinyModel, useBackend, tinyBatch, tinyObjective } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

before(useBackend);

it('trains a random truncated rank per step and evaluates at full rank and at several ranks', () => {
  const model = tinyModel('encoder');
  const cfg = dylora.defaults;
  const applied = applyTechnique(dylora, model, cfg, { seed: 1, totalSteps: 40, sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 50 + i)), loss: (b) => tinyObjective.loss(model, b) });
  const name = 'layers.0.attn.v';
  const state = applied.adapterState();
  const A = state[`${name}.lora_A`];
  const B = tf.randomNormal(state[`${name}.lora_B`].shape, 0, 1, 'float32', 3);
  applied.loadAdapterState({ ...state, [`${name}.lora_B`]: B });
  const lin = model.linears.get(name)!;
  const x = tf.randomNormal([4, lin.dIn], 0, 1, 'float32', 4);
  /** The rank b whose update (α/b)·x A[:, :b] B[:b] the layer adds now, or -1. */
  const rankSeen = () => tf.tidy(() => {
    const got = tf.sub(lin.forward(x), lin.base(x));
    for (let b = 1; b <= cfg.r; b++) {
      const want = tf.mul(tf.matMul(tf.matMul(x, tf.slice(A, [0, 0], [-1, b])), tf.slice(B, [0, 0], [b, -1])), cfg.alpha / b);
      if (tf.max(tf.abs(tf.sub(got, want))).dataSync()[0] < 1e-4) return b;
    }
    return -1;
  });
  assert.equal(rankSeen(), cfg.r, 'evaluation uses the full rank');
  model.training = true;
  const opt = new AdamW({ lr: 0, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, []);
  const seen: number[] = [];
  for (let step = 0; step < 40; step++) {
    seen.push(rankSeen());
    applied.onStep!({ step, totalSteps: 40, optimizer: opt });
  }
  model.training = false;
  console.log(`ranks drawn: ${seen.join(' ')}`);
  assert.ok(seen.every((b) => b >= 1 && b <= cfg.r), 'a step used an update that is no truncation of the pair');
  assert.ok(new Set(seen).size >= 5, 'ranks are not resampled per step');
  const m = applied.metrics!();
  console.log(m);
  assert.deepEqual(Object.keys(m), ['loss_at_rank_1', 'loss_at_rank_2', 'loss_at_rank_4', 'loss_at_rank_8']);
  assert.ok(Object.values(m).every(Number.isFinite));
  assert.notEqual(m.loss_at_rank_1, m.loss_at_rank_8);
  assert.equal(rankSeen(), cfg.r, 'metrics() restores the evaluation rank');
  tf.dispose([B, x, ...Object.values(state)]);
  applied.dispose();
  model.dispose();
});
