// The conformance checks of DESIGN.md for one technique on both model families, as node:test suites (used by test/conformance.test.ts and the scaffold test).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { AnyTechnique, Applied, ApplyContext } from '../../harness/plugin.js';
import type { Model } from '../../harness/model/model.js';
import type { Family } from '../../harness/model/config.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { makeBatch } from '../../harness/train/batch.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from './tiny.js';
import { tinyServices } from './tiny-services.js';
import { applyTechnique } from '../../harness/apply.js';

const FAMILIES: Family[] = ['encoder', 'decoder'];

function ctxFor(model: Model, seed: number, t: AnyTechnique): ApplyContext {
  return {
    seed,
    totalSteps: 30,
    sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 100 + i)),
    loss: (b) => tinyObjective.loss(model, b),
    services: tinyServices(model.family, 2e-3 * (t.lrMultiplier ?? 1)),
  };
}

async function trainSteps(model: Model, applied: Applied, t: AnyTechnique, steps: number) {
  const stream = new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1);
  const lr = 2e-3 * (t.lrMultiplier ?? 1);
  const r = await train({
    model,
    applied,
    objective: tinyObjective,
    stream,
    budget: { steps, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' },
    optimizerSpec: { lr, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  });
  assert.equal(r.failure, null, `training failed: ${r.failure}`);
  return r;
}

function lossOn(model: Model): number {
  const b = makeBatch(tinyRows(64).slice(0, 32), 32, 'int32'); // training rows: this checks optimisation, not generalisation
  const l = tf.tidy(() => tinyObjective.loss(model, b));
  const v = l.dataSync()[0];
  tf.dispose([l, b.ids, b.mask, b.labels]);
  return v;
}

function snapshot(model: Model): Map<string, Float32Array> {
  return new Map([...model.params].map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));
}

const ATOL = 1e-5;

/** Registers the conformance suite for `t` (describe/it blocks) in the calling test file. */
export function conformance(t: AnyTechnique): void {
  describe(`conformance: ${t.id}`, () => {
    before(useBackend);

    it('validate fills defaults and names a bad field', () => {
      const cfg = t.validate({});
      assert.deepEqual(cfg, t.defaults);
      assert.throws(() => t.validate({ no_such_field: 1 }), (e: Error) => e.message.includes(t.id) && e.message.includes('no_such_field'));
    });

    for (const family of FAMILIES) {
      describe(family, () => {
        let model: Model;
        let applied: Applied;
        let base: Float32Array;
        let skip: string | null = null;
        const batch = tinyBatch(6, 42);

        before(async () => {
          await useBackend();
          model = tinyModel(family);
          skip = t.unsupported?.(model) ?? null;
          if (skip) return;
          base = outputs(model, batch);
          applied = applyTechnique(t, model, t.defaults, ctxFor(model, 1, t));
        });

        it('matches the base at init where the method promises it', (c) => {
          if (skip) return c.skip(skip);
          if (!t.properties.identityAtInit) return c.skip('declared not identity at init');
          assert.ok(maxAbsDiff(outputs(model, batch), base) < ATOL);
        });

        it('trains only its trainable variables, reduces the loss, leaks no tensors, and moves the output', async (c) => {
          if (skip) return c.skip(skip);
          const before = snapshot(model);
          const trainable = new Set(applied.paramGroups().flatMap((g) => g.vars));
          const loss0 = lossOn(model);
          await trainSteps(model, applied, t, 2);
          const n0 = tf.memory().numTensors;
          await trainSteps(model, applied, t, 3);
          // The optimizer is rebuilt per train() call, so its state is created and disposed inside each call.
          assert.equal(tf.memory().numTensors, n0, 'tensor count changed across training steps');
          await trainSteps(model, applied, t, 25);
          const loss1 = lossOn(model);
          assert.ok(loss1 < loss0, `loss did not fall: ${loss0} → ${loss1}`);
          assert.ok(maxAbsDiff(outputs(model, batch), base) > 1e-4, 'training left the output equal to the base (vacuous adapter)');
          if (!t.properties.changesBase) {
            for (const [name, v] of model.params) {
              // A parameter created while training (a head for another task of a sequence) is no base weight.
              if (trainable.has(v) || !before.has(name)) continue;
              assert.ok(maxAbsDiff(v.dataSync(), before.get(name)!) === 0, `frozen base weight ${name} changed`);
            }
          }
        });

        it('counts trainable parameters honestly', (c) => {
          if (skip) return c.skip(skip);
          const sum = applied.paramGroups().flatMap((g) => g.vars).reduce((n, v) => n + v.size, 0);
          const fp = applied.footprint();
          if (applied.transformGrads) assert.ok(fp.trainableParams <= sum && fp.trainableParams > 0);
          else assert.equal(fp.trainableParams, sum);
        });

        it('disabling restores the base exactly and enabling brings the adapter back', (c) => {
          if (skip) return c.skip(skip);
          if (t.properties.changesBase) return c.skip('changes base weights by design');
          const adapted = outputs(model, batch);
          model.hooks.enabled = false;
          let off: Float32Array;
          try {
            off = outputs(model, batch);
          } finally {
            model.hooks.enabled = true;
          }
          assert.ok(maxAbsDiff(off, base) < 1e-6, `disabled output differs from the base by ${maxAbsDiff(off, base)}`);
          assert.ok(maxAbsDiff(outputs(model, batch), adapted) < 1e-6);
        });

        it('saves adapter state only and loads it under another seed to identical outputs', async (c) => {
          if (skip) return c.skip(skip);
          const state = applied.adapterState();
          if (!t.properties.changesBase) {
            const baseNames = [...model.params.keys()].filter((n) => !n.startsWith('head.'));
            const leaked = Object.keys(state).filter((k) => baseNames.includes(k));
            assert.deepEqual(leaked, [], 'adapter state holds base weights');
          }
          const other = tinyModel(family, 7);
          const applied2 = applyTechnique(t, other, t.defaults, ctxFor(other, 99, t));
          applied2.loadAdapterState(state);
          assert.ok(maxAbsDiff(outputs(other, batch), outputs(model, batch)) < 1e-5);
          applied2.dispose();
          other.dispose();
          tf.dispose(Object.values(state));
        });

        it('merges to the same outputs, and a second merge changes nothing', (c) => {
          if (skip) return c.skip(skip);
          if (!applied.merge) return c.skip('not mergeable');
          const y = outputs(model, batch);
          applied.merge();
          const merged = outputs(model, batch);
          assert.ok(maxAbsDiff(merged, y) < 1e-4, `merged output differs by ${maxAbsDiff(merged, y)}`);
          applied.merge();
          assert.ok(maxAbsDiff(outputs(model, batch), merged) < 1e-6);
        });
      });
    }
  });
}
