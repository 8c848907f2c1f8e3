// PiSSA: s·A B is W's best rank-r part (top singular triplets), W_res + s·A B = W at init, and W itself is never edited.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { pissa } from '../../techniques/training-method/pissa.js';
import { svdArrays } from '../../techniques/shared/svd.js';
import { maxAbsDiff, tinyModel, useBackend, tinyBatch, tinyObjective } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

before(useBackend);

it('initialises A, B from the top-r singular triplets of W and leaves W_res + s·A B = W', () => {
  const model = tinyModel('decoder');
  const cfg = pissa.validate({ r: 4, alpha: 8 }); // s = 2, to check the init divides by it
  const s = cfg.alpha / cfg.r;
  const W0 = new Map([...model.linears].map(([n, l]) => [n, l.weight.dataSync().slice()]));
  const applied = applyTechnique(pissa, model, cfg, { seed: 1, totalSteps: 1, sampleBatches: (n) => [tinyBatch(n)], loss: (b) => tinyObjective.loss(model, b) });
  const st = applied.adapterState();
  let worstRecon = 0, worstTail = 0, worstSplit = 0;
  for (const l of model.find(cfg.targets)) {
    const W = tf.tensor2d(W0.get(l.name)!, [l.dIn, l.dOut]);
    const AB = tf.mul(tf.matMul(st[`${l.name}.lora_A`], st[`${l.name}.lora_B`]), s);
    const Wres = tf.sub(W, tf.mul(tf.matMul(st[`${l.name}.lora_A0`], st[`${l.name}.lora_B0`]), s));
    worstSplit = Math.max(worstSplit, maxAbsDiff(tf.add(Wres, AB).dataSync(), W0.get(l.name)!));
    // s·A B equals the rank-r truncation U_r S_r V_rᵀ; the residual's spectrum is W's tail.
    const ref = svdArrays(W0.get(l.name)!, l.dIn, l.dOut);
    const top = tf.tidy(() => {
      const U = tf.tensor2d(Float32Array.from(ref.U.slice(0, cfg.r).flatMap((c) => Array.from(c))), [cfg.r, l.dIn]).transpose();
      const V = tf.tensor2d(Float32Array.from(ref.V.slice(0, cfg.r).flatMap((c) => Array.from(c))), [cfg.r, l.dOut]).transpose();
      return tf.matMul(tf.mul(U, tf.tensor1d(Float32Array.from(ref.S.slice(0, cfg.r)))), V, false, true);
    });
    worstRecon = Math.max(worstRecon, maxAbsDiff(AB.dataSync(), top.dataSync()));
    const res = svdArrays(Wres.dataSync(), l.dIn, l.dOut);
    worstTail = Math.max(worstTail, Math.abs(res.S[0] - ref.S[cfg.r]));
    tf.dispose([W, AB, Wres, top]);
  }
  console.log(`max |W_res + sAB − W| ${worstSplit.toExponential(2)}, max |sAB − U_r S_r V_rᵀ| ${worstRecon.toExponential(2)}, max |σ₁(W_res) − σ_{r+1}(W)| ${worstTail.toExponential(2)}`);
  assert.ok(worstSplit < 1e-5 && worstRecon < 1e-5 && worstTail < 1e-4);
  for (const [n, l] of model.linears) assert.equal(maxAbsDiff(l.weight.dataSync(), W0.get(n)!), 0, `${n} was edited at init`);
  tf.dispose(Object.values(st));
  applied.dispose();
  model.dispose();
});
