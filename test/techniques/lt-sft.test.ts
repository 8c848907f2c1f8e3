// LT-SFT: phase 1 moves everything, the switch resets the backbone to the base, phase 2 moves only the K chosen entries.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ltSft } from '../../techniques/parameter-selection/lt-sft.js';
import { maskableParams } from '../../techniques/shared/mask.js';
import type { Model } from '../../harness/model/model.js';
import type { Applied, ApplyContext } from '../../harness/plugin.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = (m: Model, totalSteps: number): ApplyContext => ({ seed: 1, totalSteps, sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 100 + i)), loss: (b) => tinyObjective.loss(m, b) });

async function steps(model: Model, applied: Applied, n: number, lr = 1e-2) {
  const stream = new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1);
  const budget = { steps: n, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0.1, clipNorm: 1, schedule: 'constant' as const };
  await train({ model, applied, objective: tinyObjective, stream, budget, optimizerSpec: { lr, weightDecay: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 } });
}

describe('lt-sft', () => {
  before(useBackend);

  for (const family of ['encoder', 'decoder'] as const) {
    it(`${family}: resets to the base at the switch, then only the K chosen entries move`, async () => {
      const m = tinyModel(family);
      const applied = applyTechnique(ltSft, m, ltSft.defaults, ctx(m, 10)); // switch after step 5
      const named = maskableParams(m);
      const total = named.reduce((n, [, v]) => n + v.size, 0);
      const base = new Map(named.map(([n, v]) => [n, v.dataSync().slice()]));
      const differs = () => named.reduce((c, [n, v]) => c + v.dataSync().filter((x, i) => x !== base.get(n)![i]).length, 0);

      await steps(m, applied, 3);
      assert.ok(differs() > 0.5 * total, 'phase 1 is not dense fine-tuning');
      // The switch comes after step 5, inside the next call, so phase 1's optimizer moments are live at it.
      const onStep = applied.onStep!;
      let atSwitch = -1;
      let calls = 3;
      applied.onStep = (c) => {
        onStep(c);
        if (++calls === 5) atSwitch = differs();
      };
      await steps(m, applied, 7);
      assert.equal(atSwitch, 0, 'the backbone was not reset to the base');
      const state0 = applied.adapterState();
      const chosen = new Map(named.map(([n]) => [n, new Set(state0[`${n}.sft_idx`] ? Array.from(state0[`${n}.sft_idx`].dataSync()) : [])]));
      const K = [...chosen.values()].reduce((c, s) => c + s.size, 0);
      assert.equal(K, Math.round(ltSft.defaults.density * total));
      tf.dispose(Object.values(state0));

      let moved = 0;
      for (const [n, v] of named) {
        v.dataSync().forEach((x, i) => {
          if (x === base.get(n)![i]) return;
          moved++;
          assert.ok(chosen.get(n)!.has(i), `${n}[${i}] moved outside the ticket`);
        });
      }
      assert.ok(moved > 0.5 * K && moved <= K, `${moved} of ${K} chosen entries moved`);
      const head = m.named('head.**').reduce((n, [, v]) => n + v.size, 0);
      assert.equal(applied.footprint().trainableParams, K + head);
      // The saved state is the sparse difference: K indices and values.
      const state = applied.adapterState();
      const diffs = Object.entries(state).filter(([k]) => k.endsWith('.sft_diff'));
      assert.equal(diffs.reduce((c, [, t]) => c + t.size, 0), K);
      assert.ok(Object.keys(state).every((k) => k.startsWith('head.') || k.endsWith('.sft_idx') || k.endsWith('.sft_diff')));
      tf.dispose(Object.values(state));
      applied.dispose();
      m.dispose();
    });
  }
});
