// PEQA: only the quantization scales train — each weight column is rescaled, its integer codes and zero points stay.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { peqa } from '../../techniques/quantization/peqa.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { effectiveWeight, noDataCtx } from '../helpers/quant.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = noDataCtx;

describe('peqa', () => {
  before(useBackend);

  it('trains one scale per output channel of each quantized linear (plus the head), and nothing else', async () => {
    const model = tinyModel('decoder');
    const applied = applyTechnique(peqa, model, peqa.defaults, ctx);
    const targets = model.find(peqa.defaults.quantize);
    const [scales, head] = applied.paramGroups();
    assert.deepEqual(scales.vars.map((v) => v.size), targets.map((l) => l.dOut));
    assert.deepEqual(head.vars, model.named('head.**').map(([, v]) => v));
    const before = new Map(targets.map((l) => [l.name, effectiveWeight(model, l.name)]));
    const lr = 2e-3;
    await train({
      model,
      applied,
      objective: tinyObjective,
      stream: new BatchStream(tinyRows(32), 8, tinyObjective, 32, 1),
      budget: { steps: 5, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' },
      optimizerSpec: { lr, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    });
    let moved = 0;
    for (const l of targets) {
      const w0 = before.get(l.name)!;
      const w1 = effectiveWeight(model, l.name);
      for (let j = 0; j < l.dOut; j++) {
        // Column j after training = λ_j · column j before: W = s·(q − z) with only s changed.
        let num = 0;
        let den = 0;
        for (let i = 0; i < l.dIn; i++) {
          num += w1[i * l.dOut + j] * w0[i * l.dOut + j];
          den += w0[i * l.dOut + j] ** 2;
        }
        const lambda = num / den;
        for (let i = 0; i < l.dIn; i++) {
          const k = i * l.dOut + j;
          assert.ok(Math.abs(w1[k] - lambda * w0[k]) < 1e-6, `${l.name}[${i},${j}] changed other than by its column's scale`);
        }
        if (Math.abs(lambda - 1) > 1e-3) moved++;
      }
    }
    assert.ok(moved > 10, `only ${moved} scales moved: training did not reach the scales`);
    applied.dispose();
    model.dispose();
  });
});
