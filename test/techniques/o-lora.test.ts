// O-LoRA: earlier tasks' LoRAs are frozen and kept in the forward pass, the new one is pushed orthogonal to them
// (λ₁ Σ‖AᵢᵀA_t‖²), and forgetting of the earlier tasks is measured after the last one.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { oLora } from '../../techniques/application/o-lora.js';
import type { ApplyContext } from '../../harness/plugin.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { tinyServices } from '../helpers/tiny-services.js';
import { applyTechnique } from '../../harness/apply.js';

async function run(config: Record<string, unknown>) {
  const lr = 2e-2;
  const model = tinyModel('encoder');
  const ctx: ApplyContext = { seed: 1, totalSteps: 20, sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 300 + i)), loss: (b) => tinyObjective.loss(model, b), services: tinyServices('encoder', lr) };
  const applied = applyTechnique(oLora, model, oLora.validate({ sequence: ['tiny-0', 'tiny-1'], ...config }), ctx);
  const budget = { steps: 20, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' as const };
  const args = { model, applied, objective: tinyObjective, budget, optimizerSpec: { lr, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 } };
  await applied.prepare!();
  const frozen = Object.fromEntries(Object.entries(applied.adapterState()).filter(([k]) => k.startsWith('olora.') || k.startsWith('head.t')).map(([k, v]) => [k, v.dataSync().slice()]));
  await train({ ...args, stream: new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1) });
  return { model, applied, frozen, metrics: applied.metrics!(), evaluated: await applied.evaluate!() };
}

describe('o-lora', () => {
  before(useBackend);

  it('keeps earlier tasks frozen with their own heads and measures their forgetting', async () => {
    const { model, applied, frozen, evaluated, metrics } = await run({});
    assert.equal(metrics.tasks, 3);
    assert.ok(Object.keys(frozen).some((k) => k.startsWith('olora.task1.')), 'one frozen LoRA per earlier task');
    assert.ok(Object.keys(frozen).some((k) => k.startsWith('head.t1_tiny-1.')), 'one head per earlier task');
    const after = applied.adapterState();
    for (const [k, v] of Object.entries(frozen)) assert.deepEqual(after[k].dataSync(), v, `${k} changed while learning the last task`);
    for (const id of ['tiny-0', 'tiny-1']) {
      assert.ok(evaluated[`score.${id}.learnt`] > 0.6, `${id} was learnt`);
      assert.equal(evaluated[`forgetting.${id}`], evaluated[`score.${id}.learnt`] - evaluated[`score.${id}.final`]);
    }
    assert.equal(model.headName, 'default');
    tf.dispose(Object.values(after));
    applied.dispose();
    model.dispose();
  });

  it('the orthogonality loss keeps the new subspace away from the earlier ones', async () => {
    const on = await run({ lambda1: 5 });
    const off = await run({ lambda1: 0 });
    assert.ok(on.metrics['orthogonality.overlap'] < 0.5 * off.metrics['orthogonality.overlap']);
    for (const r of [on, off]) {
      r.applied.dispose();
      r.model.dispose();
    }
  });
});
