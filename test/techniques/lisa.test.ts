// LISA: γ of the blocks train at a time, the set is redrawn every K steps, embeddings and head always train.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { lisa } from '../../techniques/training-method/lisa.js';
import { Model } from '../../harness/model/model.js';
import { AdamW } from '../../harness/train/adamw.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { maxAbsDiff, tinyConfig, useBackend, tinyBatch, tinyObjective, tinyRows } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

before(useBackend);

function fourLayers(): Model {
  const m = new Model({ ...tinyConfig('encoder'), nLayers: 4 }, 5);
  m.addHead(2);
  return m;
}

it('switches the trainable layers every K steps and always trains embeddings and head', () => {
  const model = fourLayers();
  const cfg = lisa.validate({ gamma: 1, period: 3 });
  const applied = applyTechnique(lisa, model, cfg, { seed: 1, totalSteps: 30, sampleBatches: (n) => [tinyBatch(n)], loss: (b) => tinyObjective.loss(model, b) });
  const all = applied.paramGroups().flatMap((g) => g.vars);
  const nameOf = new Map([...model.params].map(([n, v]) => [v, n]));
  const zeros = new Map(all.map((v) => [v, tf.zerosLike(v)] as [tf.Variable, tf.Tensor]));
  const opt = new AdamW({ lr: 0, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, []);
  const sets: string[] = [];
  for (let step = 0; step < 30; step++) {
    const kept = [...applied.transformGrads!(zeros).keys()].map((v) => nameOf.get(v)!);
    const layers = [...new Set(kept.filter((n) => n.startsWith('layers.')).map((n) => n.split('.')[1]))];
    assert.equal(layers.length, 1, 'not exactly γ layers trainable');
    for (const n of model.params.keys()) if (!n.startsWith('layers.')) assert.ok(kept.includes(n), `${n} frozen`);
    sets.push(layers.join());
    applied.onStep!({ step, totalSteps: 30, optimizer: opt });
  }
  console.log(`active layer per step: ${sets.join('')}`);
  for (let s = 0; s < 30; s++) if (s % 3) assert.equal(sets[s], sets[s - 1], `set changed inside a period at step ${s}`);
  assert.ok(new Set(sets).size >= 3, 'the sampled layer hardly changes');
  assert.ok(applied.footprint().trainableParams < all.reduce((n, v) => n + v.size, 0));
  tf.dispose([...zeros.values()]);
  applied.dispose();
  model.dispose();
});

it('leaves the frozen layers untouched while it trains', async () => {
  const model = fourLayers();
  const applied = applyTechnique(lisa, model, lisa.validate({ gamma: 1, period: 3 }), { seed: 2, totalSteps: 3, sampleBatches: (n) => [tinyBatch(n)], loss: (b) => tinyObjective.loss(model, b) });
  const before = new Map([...model.params].map(([n, v]) => [n, v.dataSync().slice()]));
  await train({
    model, applied, objective: tinyObjective, stream: new BatchStream(tinyRows(32), 8, tinyObjective, 32, 1),
    budget: { steps: 3, batchSize: 8, lr: 1e-2, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' },
    optimizerSpec: { lr: 1e-2, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  });
  const moved = new Set<string>();
  for (const [n, v] of model.params) if (maxAbsDiff(v.dataSync(), before.get(n)!) > 0 && n.startsWith('layers.')) moved.add(n.split('.')[1]);
  console.log(`layers moved in one period: ${[...moved].join()}`);
  assert.equal(moved.size, 1);
  assert.ok(maxAbsDiff(model.params.get('embed.tok.weight')!.dataSync(), before.get('embed.tok.weight')!) > 0);
  applied.dispose();
  model.dispose();
});
