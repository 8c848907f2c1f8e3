// Prefix-tuning: every layer's attention sees l extra key/value positions, base weights stay untouched, MLP merges to plain P.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { prefix } from '../../techniques/adapter/prefix.js';
import type { Family } from '../../harness/model/config.js';
import type { Model } from '../../harness/model/model.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

type Qkv = { q: tf.Tensor; k: tf.Tensor; v: tf.Tensor; bias: tf.Tensor };
const ctx = (m: Model) => ({ seed: 1, totalSteps: 3, sampleBatches: () => [], loss: (b: any) => tinyObjective.loss(m, b) });
const L = 4;

for (const family of ['encoder', 'decoder'] as Family[]) {
  describe(`prefix (${family})`, () => {
    before(useBackend);

    it('grows every layer\'s key and value length by l, visible to every query, and trains no base weight', async () => {
      const m = tinyModel(family);
      const b = tinyBatch(4, 3);
      const base = outputs(m, b);
      const before = new Map(m.named().map(([n, v]) => [n, v.dataSync().slice()]));
      const a = applyTechnique(prefix, m, prefix.validate({ length: L, hidden: 32 }), ctx(m));
      const seen: { S: number; T: number; k: number; v: number; bias: number[]; visible: boolean }[] = [];
      for (const i of m.layerIndices()) {
        m.hooks.wrap(`layers.${i}.attn.qkv`, (z: Qkv, next: (z: Qkv) => Qkv) => {
          const y = next(z);
          const pre = tf.slice(y.bias, [0, 0, 0, 0], [-1, -1, -1, L]);
          seen.push({ S: z.k.shape[2]!, T: y.q.shape[2]!, k: y.k.shape[2]!, v: y.v.shape[2]!, bias: y.bias.shape, visible: pre.dataSync().every((x) => x === 0) });
          return y;
        });
      }
      assert.ok(maxAbsDiff(outputs(m, b), base) > 1e-4, 'prefixes changed nothing');
      assert.equal(seen.length, m.config.nLayers);
      for (const s of seen) {
        assert.equal(s.k, s.S + L);
        assert.equal(s.v, s.S + L);
        assert.equal(s.T, s.S, 'queries must not grow');
        assert.equal(s.bias[3], s.S + L);
        assert.ok(s.visible, 'a prefix position is masked for some query');
      }
      const trainable = new Set(a.paramGroups().flatMap((g) => g.vars));
      assert.ok(m.named().every(([n, v]) => n.startsWith('head.') || !trainable.has(v)));
      const stream = new BatchStream(tinyRows(16), 4, tinyObjective, 32, 1);
      await train({
        model: m, applied: a, objective: tinyObjective, stream,
        budget: { steps: 2, batchSize: 4, lr: 1e-2, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0.1, clipNorm: 1, schedule: 'constant' },
        optimizerSpec: { lr: 1e-2, weightDecay: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
      });
      for (const [n, v] of m.named()) if (!n.startsWith('head.')) assert.ok(maxAbsDiff(v.dataSync(), before.get(n)!) === 0, `base weight ${n} changed`);
      a.dispose();
      m.dispose();
    });

    it('trains P\' and the MLP, then merges and saves plain [l, d] prefixes only', () => {
      const m = tinyModel(family);
      const b = tinyBatch(4, 3);
      const a = applyTechnique(prefix, m, prefix.validate({ length: L, hidden: 32 }), ctx(m));
      const d = m.config.dModel;
      const out = 2 * d * m.config.nLayers; // keys and values of every layer
      const shapes = a.paramGroups()[0].vars.map((v) => v.shape.join('x')).sort();
      assert.deepEqual(shapes, [`${L}x${d}`, `${d}x32`, '32', `32x${out}`, `${out}`].sort());
      const y = outputs(m, b);
      a.merge!();
      assert.ok(maxAbsDiff(outputs(m, b), y) < 1e-5);
      assert.ok(a.paramGroups()[0].vars.every((v) => v.shape.join() === `${L},${d}`));
      const s = a.adapterState();
      const adapterKeys = Object.keys(s).filter((k) => !k.startsWith('head.'));
      assert.deepEqual(adapterKeys.sort(), m.layerIndices().flatMap((i) => [`layers.${i}.attn.prefix_k`, `layers.${i}.attn.prefix_v`]).sort());
      tf.dispose(Object.values(s));
      a.dispose();
      m.dispose();
    });
  });
}
