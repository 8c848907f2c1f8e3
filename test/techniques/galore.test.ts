// GaLore: Adam state is r × n (not m × n), the projector is recomputed every T steps, and the state is under half of full FT's.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { galore, GaLoreAdamW } from '../../techniques/training-method/galore.js';
import { fullFt } from '../../techniques/training-method/full-ft.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { tinyModel, useBackend, tinyBatch, tinyObjective, tinyRows } from '../helpers/tiny.js';
import type { Model } from '../../harness/model/model.js';
import type { AnyTechnique } from '../../harness/plugin.js';
import { applyTechnique } from '../../harness/apply.js';

before(useBackend);
const spec = { lr: 1e-3, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
const ctx = (model: Model) => ({ seed: 1, totalSteps: 10, sampleBatches: (n: number) => [tinyBatch(n)], loss: (b: ReturnType<typeof tinyBatch>) => tinyObjective.loss(model, b) });

it('keeps r × n moments and refreshes the projector exactly every T steps', () => {
  const m = tf.variable(tf.zeros([8, 32]));
  const tall = tf.variable(tf.zeros([32, 8]));
  const bias = tf.variable(tf.zeros([32]));
  const cfg = galore.validate({ rank: 2, updateGap: 3 });
  const opt = new GaLoreAdamW(spec, [{ vars: [m, tall, bias] }], new Set([m, tall]), cfg);
  const snaps: Float32Array[] = [];
  for (let step = 0; step < 8; step++) {
    const grads = new Map([m, tall, bias].map((v, i) => [v, tf.randomNormal(v.shape, 0, 1, 'float32', 10 * step + i)] as [tf.Variable, tf.Tensor]));
    opt.step(grads, 1e-3);
    tf.dispose([...grads.values()]);
    snaps.push(opt.slot(m)!.P.dataSync().slice() as Float32Array);
  }
  const sm = opt.slot(m)!, st = opt.slot(tall)!;
  assert.deepEqual([sm.side, sm.m.shape, sm.v.shape, sm.P.shape], ['left', [2, 32], [2, 32], [8, 2]]);
  assert.deepEqual([st.side, st.m.shape, st.P.shape], ['right', [32, 2], [8, 2]]);
  assert.equal(opt.slot(bias), undefined, 'a 1-D parameter went through the projection');
  assert.deepEqual(sm.refreshedAt, [1, 4, 7]);
  const changed = snaps.slice(1).map((s, i) => s.some((x, j) => x !== snaps[i][j]));
  console.log(`projector changed after steps: ${changed.map((c, i) => (c ? i + 2 : '')).filter(String).join(', ')}`);
  assert.deepEqual(changed, [false, false, true, false, false, true, false]);
  const PtP = tf.tidy(() => tf.matMul(sm.P, sm.P, true, false).dataSync());
  assert.ok(Math.abs(PtP[0] - 1) < 1e-5 && Math.abs(PtP[1]) < 1e-5 && Math.abs(PtP[3] - 1) < 1e-5, 'P is not orthonormal');
  // State: (2·r·n + m·r) for the wide matrix, (2·m·r + n·r) for the tall one, 2·32 for the bias' AdamW moments.
  assert.equal(opt.stateBytes(), 4 * (2 * 2 * 32 + 8 * 2 + 2 * 32 * 2 + 8 * 2 + 2 * 32));
  opt.dispose();
  tf.dispose([m, tall, bias]);
});

it("measures under half of full fine-tuning's optimizer-state bytes, and trains", async () => {
  const bytes: Record<string, number> = {};
  for (const t of [fullFt, galore] as AnyTechnique[]) {
    const model = tinyModel('encoder');
    const applied = applyTechnique(t, model, t.defaults, ctx(model));
    const lr = 1e-3 * (t.lrMultiplier ?? 1);
    const r = await train({
      model, applied, objective: tinyObjective, stream: new BatchStream(tinyRows(32), 8, tinyObjective, 32, 1),
      budget: { steps: 3, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' },
      optimizerSpec: { ...spec, lr },
    });
    assert.equal(r.failure, null);
    bytes[t.id] = r.optimizerStateBytes;
    applied.dispose();
    model.dispose();
  }
  console.log(`optimizer state: full-ft ${bytes['full-ft']} B, galore ${bytes.galore} B (${((100 * bytes.galore) / bytes['full-ft']).toFixed(1)}%)`);
  assert.ok(bytes.galore < bytes['full-ft'] / 2);
});
