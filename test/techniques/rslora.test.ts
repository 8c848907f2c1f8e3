// rsLoRA: the update is scaled by α/√r, not α/r.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { rslora } from '../../techniques/training-method/rslora.js';
import { tinyModel, useBackend, tinyBatch, tinyObjective } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

before(useBackend);

it('adds (α/√r)·x A B to the linear output', () => {
  const model = tinyModel('encoder');
  const cfg = rslora.validate({ r: 4, alpha: 8 }); // α/√r = 4, where LoRA's α/r would be 2
  const applied = applyTechnique(rslora, model, cfg, { seed: 1, totalSteps: 1, sampleBatches: (n) => [tinyBatch(n)], loss: (b) => tinyObjective.loss(model, b) });
  const name = 'layers.0.attn.q';
  const state = applied.adapterState();
  const B = tf.randomNormal(state[`${name}.lora_B`].shape, 0, 1, 'float32', 3);
  applied.loadAdapterState({ ...state, [`${name}.lora_B`]: B });
  const lin = model.linears.get(name)!;
  const x = tf.randomNormal([5, lin.dIn], 0, 1, 'float32', 4);
  const got = tf.sub(lin.forward(x), lin.base(x));
  const want = tf.mul(tf.matMul(tf.matMul(x, state[`${name}.lora_A`]), B), 8 / Math.sqrt(4));
  const d = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0];
  const scaleSeen = tf.sum(tf.mul(got, want)).dataSync()[0] / tf.sum(tf.mul(want, want)).dataSync()[0] * 4;
  console.log(`max |Δy − (α/√r)·xAB| ${d.toExponential(2)}; fitted scale ${scaleSeen.toFixed(5)}`);
  assert.ok(d < 1e-5);
  tf.dispose([B, x, got, want, ...Object.values(state)]);
  applied.dispose();
  model.dispose();
});
