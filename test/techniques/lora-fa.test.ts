// LoRA-FA: A stays at its random init, only B (and the task head) train.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { loraFa } from '../../techniques/training-method/lora-fa.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { maxAbsDiff, tinyModel, useBackend, tinyBatch, tinyObjective, tinyRows } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

before(useBackend);

it('trains B, never A', async () => {
  const model = tinyModel('decoder');
  const applied = applyTechnique(loraFa, model, loraFa.defaults, { seed: 1, totalSteps: 5, sampleBatches: (n) => [tinyBatch(n)], loss: (b) => tinyObjective.loss(model, b) });
  const s0 = applied.adapterState();
  const trainable = new Set(applied.paramGroups().flatMap((g) => g.vars));
  const pairCount = Object.keys(s0).filter((k) => k.endsWith('.lora_A')).length;
  assert.equal([...trainable].filter((v) => v.shape[1] === 8 && v.shape[0] === model.config.dModel).length, 0, 'an A [d, r] is trainable');
  assert.equal([...trainable].filter((v) => v.shape[0] === 8).length, pairCount, 'every B [r, d_out] is trainable');
  const lr = 2e-2;
  const r = await train({
    model, applied, objective: tinyObjective, stream: new BatchStream(tinyRows(32), 8, tinyObjective, 32, 1),
    budget: { steps: 5, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' },
    optimizerSpec: { lr, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  });
  assert.equal(r.failure, null);
  const s1 = applied.adapterState();
  const keys = Object.keys(s0).filter((k) => k.endsWith('.lora_A'));
  assert.ok(keys.length > 0);
  let movedB = 0;
  for (const k of keys) {
    assert.equal(maxAbsDiff(s0[k].dataSync(), s1[k].dataSync()), 0, `${k} changed`);
    const kb = k.replace(/lora_A$/, 'lora_B');
    movedB = Math.max(movedB, maxAbsDiff(s0[kb].dataSync(), s1[kb].dataSync()));
  }
  console.log(`A unchanged in ${keys.length} pairs; max |ΔB| ${movedB.toExponential(2)}`);
  assert.ok(movedB > 1e-4);
  const fp = applied.footprint();
  assert.equal(fp.trainableParams * 1, [...trainable].reduce((n, v) => n + v.size, 0));
  assert.ok(fp.extraParams > fp.trainableParams - model.named('head.**').reduce((n, [, v]) => n + v.size, 0), 'A counts as extra but not trainable');
  applied.dispose();
  model.dispose();
});
