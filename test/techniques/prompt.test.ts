// Prompt tuning: the blocks see l extra positions in front, outputs keep the input length, base weights stay untouched.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { prompt } from '../../techniques/adapter/prompt.js';
import type { Family } from '../../harness/model/config.js';
import type { Embedded, Model } from '../../harness/model/model.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model) => ({ seed: 1, totalSteps: 3, sampleBatches: (n: number) => Array.from({ length: n }, () => tinyBatch(8, 100)), loss: (b: any) => tinyObjective.loss(m, b) });
const L = 5;

for (const family of ['encoder', 'decoder'] as Family[]) {
  describe(`prompt (${family})`, () => {
    before(useBackend);

    it('starts from embeddings of real input tokens', () => {
      const m = tinyModel(family);
      const real: number[][] = [];
      const rm = m.hooks.wrap('embed', (inp, next) => {
        const e = next(inp);
        const h = e.h.arraySync() as number[][][];
        const mask = e.mask.arraySync() as number[][];
        h.forEach((row, b) => row.forEach((v, t) => mask[b][t] && real.push(v)));
        return e;
      });
      const sample = tinyBatch(8, 100);
      outputs(m, sample);
      rm();
      const a = applyTechnique(prompt, m, prompt.validate({ length: L }), ctx(m));
      const P = a.paramGroups()[0].vars[0].arraySync() as number[][];
      assert.equal(P.length, L);
      for (const p of P) assert.ok(real.some((r) => maxAbsDiff(r, p) < 1e-6), 'a prompt row is not an embedded input token');
      a.dispose();
      m.dispose();
    });

    it('prepends l positions for the blocks, strips them from the outputs, and trains no base weight', async () => {
      const m = tinyModel(family);
      const b = tinyBatch(4, 3);
      const base = outputs(m, b);
      const before = new Map(m.named().map(([n, v]) => [n, v.dataSync().slice()]));
      const a = applyTechnique(prompt, m, prompt.validate({ length: L }), ctx(m));
      const lengths: number[] = [];
      m.hooks.wrap('layers.0.attn', (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
        lengths.push(x.shape[1]!);
        return next(x);
      });
      const h = tf.tidy(() => m.hidden(b.ids, b.mask));
      assert.deepEqual(lengths, [b.ids.shape[1] + L]);
      assert.deepEqual(h.shape, [...b.ids.shape, m.config.dModel]);
      h.dispose();
      assert.ok(maxAbsDiff(outputs(m, b), base) > 1e-4, 'the prompt changed nothing');
      const stream = new BatchStream(tinyRows(16), 4, tinyObjective, 32, 1);
      await train({
        model: m, applied: a, objective: tinyObjective, stream,
        budget: { steps: 2, batchSize: 4, lr: 1e-2, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0.1, clipNorm: 1, schedule: 'constant' },
        optimizerSpec: { lr: 1e-2, weightDecay: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
      });
      for (const [n, v] of m.named()) if (!n.startsWith('head.')) assert.ok(maxAbsDiff(v.dataSync(), before.get(n)!) === 0, `base weight ${n} changed`);
      assert.equal(a.footprint().extraParams, L * m.config.dModel);
      a.dispose();
      m.dispose();
    });
  });
}
