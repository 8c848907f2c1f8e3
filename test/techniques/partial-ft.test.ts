// Partial fine-tuning: only the top k blocks (default: the top quarter, at least one), what sits above them, and the head.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { partialFt } from '../../techniques/parameter-selection/partial-ft.js';
import type { Model } from '../../harness/model/model.js';
import type { ApplyContext } from '../../harness/plugin.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model): ApplyContext => ({ seed: 1, totalSteps: 30, sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 100 + i)), loss: (b) => tinyObjective.loss(m, b) });

function trainedNames(m: Model, cfg: object): string[] {
  const applied = applyTechnique(partialFt, m, partialFt.validate(cfg), ctx(m));
  const names = new Map([...m.params].map(([n, v]) => [v, n]));
  return applied.paramGroups().flatMap((g) => g.vars).map((v) => names.get(v)!).filter((n) => !n.startsWith('head.'));
}

describe('partial-ft', () => {
  before(useBackend);

  it('defaults to the top block of two (encoder) plus the final norm (decoder)', () => {
    const enc = tinyModel('encoder');
    const encNames = trainedNames(enc, {});
    assert.ok(encNames.length > 0 && encNames.every((n) => n.startsWith('layers.1.')), encNames.join());
    assert.deepEqual(encNames.sort(), [...enc.params.keys()].filter((n) => n.startsWith('layers.1.')).sort());
    const dec = tinyModel('decoder');
    const decNames = trainedNames(dec, {});
    assert.ok(decNames.includes('norm.weight'));
    assert.ok(decNames.every((n) => n.startsWith('layers.1.') || n === 'norm.weight'), decNames.join());
    assert.ok(trainedNames(tinyModel('encoder'), { layers: 2 }).some((n) => n.startsWith('layers.0.')));
    enc.dispose();
    dec.dispose();
  });

  it('leaves the lower blocks and the embeddings bit-identical after training', async () => {
    const m = tinyModel('encoder');
    const applied = applyTechnique(partialFt, m, partialFt.defaults, ctx(m));
    const before = new Map([...m.params].map(([n, v]) => [n, v.dataSync().slice()]));
    const lr = 1e-2;
    const stream = new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1);
    await train({ model: m, applied, objective: tinyObjective, stream, budget: { steps: 3, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0.1, clipNorm: 1, schedule: 'constant' }, optimizerSpec: { lr, weightDecay: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 } });
    let topMoved = false;
    for (const [n, v] of m.params) {
      const same = v.dataSync().every((x, i) => x === before.get(n)![i]);
      if (n.startsWith('layers.1.')) topMoved ||= !same;
      else if (!n.startsWith('head.')) assert.ok(same, `${n} changed`);
    }
    assert.ok(topMoved);
    applied.dispose();
    m.dispose();
  });
});
