// NEFTune: uniform noise of scale α/√(L·d) on real-token embeddings while training, none at evaluation.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { neftune } from '../../techniques/training-method/neftune.js';
import type { Embedded } from '../../harness/model/model.js';
import { tinyModel, useBackend, tinyBatch, tinyObjective } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

before(useBackend);

it('adds bounded uniform noise α/√(L·d) to real tokens only while training', () => {
  for (const family of ['encoder', 'decoder'] as const) {
    const model = tinyModel(family);
    const applied = applyTechnique(neftune, model, neftune.defaults, { seed: 1, totalSteps: 1, sampleBatches: (n) => [tinyBatch(n)], loss: (b) => tinyObjective.loss(model, b) });
    let seen: tf.Tensor | null = null;
    // Registered after NEFTune, so this wrapper is outside it and sees the noisy embeddings.
    const remove = model.hooks.wrap('embed', (i, next) => {
      const e = next(i);
      seen?.dispose();
      seen = tf.keep(tf.clone(e.h));
      return e;
    });
    const b = tinyBatch(6, 9);
    const embed = (training: boolean) => {
      model.training = training;
      tf.tidy(() => model.hidden(b.ids, b.mask));
      model.training = false;
      return (seen as unknown as tf.Tensor).arraySync() as number[][][];
    };
    const base = embed(false);
    model.hooks.enabled = false;
    const off = embed(false);
    model.hooks.enabled = true;
    const noisy = embed(true);
    const again = embed(false);
    const d = model.config.dModel;
    const mask = b.mask.arraySync() as number[][];
    let evalDiff = 0, padDiff = 0, worstRatio = 0, bestRatio = 0;
    mask.forEach((row, i) => {
      const L = row.reduce((s, x) => s + x, 0);
      const mag = neftune.defaults.alpha / Math.sqrt(L * d);
      row.forEach((m, t) => {
        for (let k = 0; k < d; k++) {
          evalDiff = Math.max(evalDiff, Math.abs(base[i][t][k] - off[i][t][k]), Math.abs(again[i][t][k] - off[i][t][k]));
          const n = Math.abs(noisy[i][t][k] - off[i][t][k]);
          if (m === 0) padDiff = Math.max(padDiff, n);
          else {
            worstRatio = Math.max(worstRatio, n / mag);
            bestRatio = Math.max(bestRatio, n / mag);
          }
        }
      });
    });
    console.log(`${family}: eval noise ${evalDiff}, pad noise ${padDiff}, max |noise|/(α/√(L·d)) ${worstRatio.toFixed(4)}`);
    assert.equal(evalDiff, 0, 'noise at evaluation');
    assert.equal(padDiff, 0, 'noise on padding');
    assert.ok(worstRatio <= 1 + 1e-4 && bestRatio > 0.9, 'noise not uniform on [−mag, mag]');
    remove();
    (seen as unknown as tf.Tensor).dispose();
    applied.dispose();
    model.dispose();
  }
});
