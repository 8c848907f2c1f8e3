// With the load-balancing loss on, expert utilisation on the tiny task is more even than with it off (same seeds).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mixlora } from '../../techniques/mixture-of-experts/mixlora.js';
import { entropy } from '../../techniques/mixture-of-experts/moe/utilisation.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

/** Trains MixLoRA 30 steps (no dropout: its masks are unseeded) and returns the utilisation shares per layer, from Applied.metrics(). */
async function utilisation(auxCoef: number): Promise<number[][]> {
  const model = tinyModel('decoder');
  const applied = applyTechnique(mixlora, model, mixlora.validate({ auxCoef, dropout: 0 }), { seed: 1, totalSteps: 30, sampleBatches: () => [tinyBatch()], loss: (b) => tinyObjective.loss(model, b) });
  const lr = 2e-2;
  await train({
    model,
    applied,
    objective: tinyObjective,
    stream: new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1),
    budget: { steps: 30, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' },
    optimizerSpec: { lr, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  });
  const m = applied.metrics!();
  applied.dispose();
  model.dispose();
  return model.layerIndices().map((l) => Array.from({ length: 8 }, (_, e) => m[`util.layer${l}.expert${e}`]));
}

describe('MoE load balancing', () => {
  before(useBackend);

  it('evens out expert utilisation (higher entropy, lower max share)', async () => {
    const off = await utilisation(0);
    // 10× the paper's 0.01, so the effect stands well clear of trajectory noise on 30 tiny steps.
    const on = await utilisation(0.1);
    for (const s of [...off, ...on]) assert.ok(Math.abs(s.reduce((a, b) => a + b, 0) - 1) < 1e-6, 'shares of a layer sum to 1');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const hOff = mean(off.map(entropy));
    const hOn = mean(on.map(entropy));
    const maxOff = mean(off.map((s) => Math.max(...s)));
    const maxOn = mean(on.map((s) => Math.max(...s)));
    console.log(`entropy off ${hOff.toFixed(3)} on ${hOn.toFixed(3)} (ln 8 = ${Math.log(8).toFixed(3)}); max share off ${maxOff.toFixed(3)} on ${maxOn.toFixed(3)}`);
    assert.ok(hOn > hOff + 0.15, `entropy with balancing ${hOn} not above ${hOff}`);
    assert.ok(maxOn < maxOff, `max share with balancing ${maxOn} not below ${maxOff}`);
  });
});
