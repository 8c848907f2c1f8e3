// AdaLoRA: the total rank stays at b(0) through warm-up, falls on the cubic schedule, and sits at the budget b(T) from T − t_f on.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { adalora } from '../../techniques/adapter/adalora.js';
import { budgetAt } from '../../techniques/shared/adalora-allocator.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

describe('adalora', () => {
  before(useBackend);

  it('budget schedule: b(0) until t_i, cubic fall, b(T) from T − t_f', () => {
    const s = { initBudget: 24, targetBudget: 8, tInit: 4, tFinal: 12, deltaT: 3 };
    assert.deepEqual(budgetAt(4, 40, s), { budget: 24, mask: false });
    assert.deepEqual(budgetAt(16, 40, s), { budget: 10, mask: false }); // 8 + 16·(1 − 12/24)³
    assert.deepEqual(budgetAt(15, 40, s).mask, true);
    assert.deepEqual(budgetAt(28, 40, s), { budget: 8, mask: true });
    assert.deepEqual(budgetAt(35, 40, s), { budget: 8, mask: false });
  });

  it('prunes the total rank to the budget on schedule and keeps P, Q near-orthogonal', async () => {
    const T = 40;
    const model = tinyModel('decoder');
    const cfg = adalora.validate({ initR: 6, targetR: 2, targets: 'layers.*.attn.{q,v}', tInit: 0.1, tFinal: 0.3, deltaT: 3, orthReg: 1 });
    const applied = applyTechnique(adalora, model, cfg, { seed: 2, totalSteps: T, sampleBatches: () => [], loss: (b) => tinyObjective.loss(model, b) });
    const schedule = { initBudget: 24, targetBudget: 8, tInit: 4, tFinal: 12, deltaT: 3 };
    const aux0 = tf.tidy(() => applied.auxLoss!()!.dataSync()[0]);
    const ranks: number[] = [];
    const lr = 2e-2;
    const r = await train({
      model,
      applied,
      objective: tinyObjective,
      stream: new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1),
      budget: { steps: T, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' },
      optimizerSpec: { lr, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
      onStep: () => ranks.push(applied.metrics!().rank),
    });
    assert.equal(r.failure, null);
    // The rank after step t is the budget of the last re-allocation at or before t.
    let expected = 24;
    for (let t = 1; t <= T; t++) {
      const b = budgetAt(t, T, schedule);
      if (b.mask) expected = b.budget;
      assert.equal(ranks[t - 1], expected, `rank after step ${t}`);
    }
    assert.ok(ranks[8] < 24 && ranks[8] > 8, `the rank is falling mid-schedule: ${ranks}`);
    assert.equal(ranks[T - 1], 8);
    // Pruned singular values are zero in the saved state; the kept ones trained.
    const state = applied.adapterState();
    const lambdas = Object.entries(state).filter(([k]) => k.endsWith('.lora_E')).flatMap(([, v]) => Array.from(v.dataSync()));
    assert.equal(lambdas.filter((v) => v !== 0).length, 8);
    const aux1 = tf.tidy(() => applied.auxLoss!()!.dataSync()[0]);
    assert.ok(aux1 < aux0, `orthogonality penalty did not fall: ${aux0} → ${aux1}`);
    tf.dispose(Object.values(state));
    applied.dispose();
    model.dispose();
  });
});
