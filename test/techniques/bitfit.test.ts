// BitFit: only bias terms (and the head) train; under 1% of the encoder backbone; the bias-free decoder is skipped.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { bitfit } from '../../techniques/parameter-selection/bitfit.js';
import { Model } from '../../harness/model/model.js';
import { MODEL_PRESETS } from '../../harness/model/config.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import type { Applied, ApplyContext } from '../../harness/plugin.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model): ApplyContext => ({ seed: 1, totalSteps: 30, sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 100 + i)), loss: (b) => tinyObjective.loss(m, b) });

async function steps(model: Model, applied: Applied, n: number, lr = 1e-2) {
  const stream = new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1);
  const budget = { steps: n, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0.1, clipNorm: 1, schedule: 'constant' as const };
  await train({ model, applied, objective: tinyObjective, stream, budget, optimizerSpec: { lr, weightDecay: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 } });
}

describe('bitfit', () => {
  before(useBackend);

  it('skips the bias-free decoder with a reason', () => {
    const m = tinyModel('decoder');
    assert.match(bitfit.unsupported!(m) ?? '', /bias/);
    assert.equal(bitfit.unsupported!(tinyModel('encoder')), null);
    m.dispose();
  });

  it('trains under 1% of the encoder backbone, all of it bias terms', () => {
    const preset = MODEL_PRESETS.find((p) => p.id === 'encoder-small')!;
    const m = new Model({ ...preset.config, vocabSize: preset.tokenizerVocab }, 0);
    m.addHead(2);
    const applied = applyTechnique(bitfit, m, bitfit.defaults, ctx(m));
    const head = m.named('head.**').reduce((n, [, v]) => n + v.size, 0);
    const backbone = m.named().filter(([n]) => !n.startsWith('head.') && !n.startsWith('lm_head')).reduce((n, [, v]) => n + v.size, 0);
    const fp = applied.footprint();
    const share = (fp.trainableParams - head) / backbone;
    assert.ok(share > 0 && share < 0.01, `bias share ${share}`);
    const names = new Map([...m.params].map(([n, v]) => [v, n]));
    for (const v of applied.paramGroups().flatMap((g) => g.vars)) assert.match(names.get(v)!, /\.bias$|^head\./);
    m.dispose();
  });

  it('changes only bias terms and the head', async () => {
    const m = tinyModel('encoder');
    const before = new Map([...m.params].map(([n, v]) => [n, v.dataSync().slice()]));
    const applied = applyTechnique(bitfit, m, bitfit.defaults, ctx(m));
    await steps(m, applied, 4);
    let movedBias = 0;
    for (const [n, v] of m.params) {
      const same = v.dataSync().every((x, i) => x === before.get(n)![i]);
      if (/\.bias$/.test(n) && !n.startsWith('lm_head')) movedBias += same ? 0 : 1;
      else if (!n.startsWith('head.')) assert.ok(same, `${n} changed`);
    }
    assert.ok(movedBias > 0, 'no bias moved');
    applied.dispose();
    m.dispose();
  });
});
