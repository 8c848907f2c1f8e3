// ReLoRA: a restart folds s·A B into W, re-initialises the pair (A fresh, B = 0), prunes the moments, and re-warms the rate.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { relora, RestartingAdamW } from '../../techniques/training-method/relora.js';
import { maxAbsDiff, outputs, tinyModel, useBackend, tinyBatch, tinyObjective } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

before(useBackend);

it('merges into W, resets the pair and prunes optimizer state every N steps', () => {
  const model = tinyModel('decoder');
  const cfg = relora.defaults;
  const applied = applyTechnique(relora, model, cfg, { seed: 1, totalSteps: 8, sampleBatches: (n) => [tinyBatch(n)], loss: (b) => tinyObjective.loss(model, b) });
  const groups = applied.paramGroups();
  const opt = applied.optimizer!({ lr: 1e-2, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, groups) as RestartingAdamW;
  const vars = groups.flatMap((g) => g.vars);
  const batch = tinyBatch(6, 42);
  const name = 'layers.0.attn.q';
  const W = model.linears.get(name)!.weight;
  const factors: number[] = [];
  for (let step = 0; step < 8; step++) {
    const { grads } = tf.variableGrads(() => tinyObjective.loss(model, batch), vars);
    factors.push(opt.factor());
    opt.step(new Map(vars.map((v) => [v, grads[v.name]])), 1e-2);
    tf.dispose(Object.values(grads));
    if (step === 1) {
      // N = ⌈8 / 4⌉ = 2: the restart comes after this step.
      const st = applied.adapterState();
      const W0 = W.dataSync().slice();
      const dW = tf.tidy(() => tf.mul(tf.matMul(st[`${name}.lora_A`], st[`${name}.lora_B`]), cfg.alpha / cfg.r).dataSync());
      const y0 = outputs(model, batch);
      const B = groups[0].vars.find((v) => v.shape[0] === cfg.r)!;
      const momentsBefore = opt.inner.moments(B)!.m.dataSync().filter((x) => x !== 0).length;
      applied.onStep!({ step, totalSteps: 8, optimizer: opt });
      const st2 = applied.adapterState();
      const Wd = W.dataSync();
      const mergeErr = maxAbsDiff(Array.from(Wd, (x, i) => x - W0[i]), dW);
      const outErr = maxAbsDiff(outputs(model, batch), y0);
      const nz = opt.inner.moments(B)!.m.dataSync().filter((x) => x !== 0).length;
      console.log(`restart: max |ΔW − sAB| ${mergeErr.toExponential(2)}, output change ${outErr.toExponential(2)}, B moments non-zero ${momentsBefore} → ${nz} of ${B.size}`);
      assert.ok(Math.max(...Array.from(dW, Math.abs)) > 1e-4, 'vacuous: the pair had not moved');
      assert.ok(mergeErr < 1e-6 && outErr < 1e-4);
      assert.equal(Math.max(...Array.from(st2[`${name}.lora_B`].dataSync(), Math.abs)), 0, 'B not reset to zero');
      assert.ok(maxAbsDiff(st2[`${name}.lora_A`].dataSync(), st[`${name}.lora_A`].dataSync()) > 1e-3, 'A not re-initialised');
      assert.ok(nz <= Math.ceil(0.01 * B.size) && momentsBefore > nz);
      tf.dispose([...Object.values(st), ...Object.values(st2)]);
    } else applied.onStep!({ step, totalSteps: 8, optimizer: opt });
  }
  console.log(`jagged lr factors: ${factors.map((f) => f.toFixed(2)).join(' ')}`);
  assert.deepEqual(factors, [1, 1, 0.5, 1, 0.5, 1, 0.5, 1]);
  assert.deepEqual(applied.metrics!(), { restarts: 3 });
  opt.dispose();
  applied.dispose();
  model.dispose();
});
