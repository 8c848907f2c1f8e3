// LN tuning: exactly the normalisation gains/biases (and the head) train, on both families.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { lnTuning } from '../../techniques/parameter-selection/ln-tuning.js';
import type { Model } from '../../harness/model/model.js';
import type { Applied, ApplyContext } from '../../harness/plugin.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model): ApplyContext => ({ seed: 1, totalSteps: 30, sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 100 + i)), loss: (b) => tinyObjective.loss(m, b) });

async function steps(model: Model, applied: Applied, n: number, lr = 1e-2) {
  const stream = new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1);
  const budget = { steps: n, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' as const };
  await train({ model, applied, objective: tinyObjective, stream, budget, optimizerSpec: { lr, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 } });
}

const isNorm = (n: string) => /norm\.(weight|bias)$/.test(n) && !n.startsWith('lm_head');

describe('ln-tuning', () => {
  before(useBackend);
  for (const family of ['encoder', 'decoder'] as const) {
    it(`${family}: trains every normalisation parameter and nothing else but the head`, async () => {
      const m = tinyModel(family);
      const applied = applyTechnique(lnTuning, m, lnTuning.defaults, ctx(m));
      const names = new Map([...m.params].map(([n, v]) => [v, n]));
      const trained = new Set(applied.paramGroups().flatMap((g) => g.vars).map((v) => names.get(v)!));
      const norms = [...m.params.keys()].filter(isNorm);
      assert.ok(norms.length > 0);
      assert.deepEqual([...trained].filter((n) => !n.startsWith('head.')).sort(), norms.sort());
      const before = new Map([...m.params].map(([n, v]) => [n, v.dataSync().slice()]));
      await steps(m, applied, 3);
      for (const [n, v] of m.params) {
        const same = v.dataSync().every((x, i) => x === before.get(n)![i]);
        if (!isNorm(n) && !n.startsWith('head.')) assert.ok(same, `${n} changed`);
      }
      assert.ok(norms.some((n) => !m.params.get(n)!.dataSync().every((x, i) => x === before.get(n)![i])), 'no norm moved');
      applied.dispose();
      m.dispose();
    });
  }
});
