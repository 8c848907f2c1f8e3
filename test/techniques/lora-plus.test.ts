// LoRA+: B's learning rate is λ × A's — checked on the groups and on one real AdamW step.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loraPlus } from '../../techniques/training-method/lora-plus.js';
import { AdamW } from '../../harness/train/adamw.js';
import { tinyModel, useBackend, tinyBatch, tinyObjective } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

before(useBackend);

it('B moves λ times as far as A in one Adam step', () => {
  const model = tinyModel('decoder');
  const applied = applyTechnique(loraPlus, model, loraPlus.defaults, { seed: 1, totalSteps: 1, sampleBatches: (n) => [tinyBatch(n)], loss: (b) => tinyObjective.loss(model, b) });
  const groups = applied.paramGroups();
  const [gA, gB] = groups;
  assert.equal(gB.lrScale, 16);
  assert.equal(gA.lrScale ?? 1, 1);
  const A = gA.vars[0], B = gB.vars[0];
  const a0 = A.dataSync().slice(), b0 = B.dataSync().slice();
  const opt = new AdamW({ lr: 1e-3, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, groups);
  const grads = new Map([A, B].map((v) => [v, tf.onesLike(v)] as [tf.Variable, tf.Tensor]));
  opt.step(grads, 1e-3);
  const dA = Math.abs(A.dataSync()[0] - a0[0]);
  const dB = Math.abs(B.dataSync()[0] - b0[0]);
  console.log(`|ΔA| ${dA.toExponential(3)}, |ΔB| ${dB.toExponential(3)}, ratio ${(dB / dA).toFixed(4)}`);
  assert.ok(Math.abs(dB / dA - 16) < 1e-2);
  tf.dispose([...grads.values()]);
  opt.dispose();
  applied.dispose();
  model.dispose();
});
