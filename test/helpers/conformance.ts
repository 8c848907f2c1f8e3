// The conformance checks of DESIGN.md as a table of rows (technique, config, families), each check on a fresh model (used by test/conformance.test.ts and the scaffold test).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { AnyTechnique, Applied, ApplyContext } from '../../harness/plugin.js';
import { applyTechnique } from '../../harness/apply.js';
import { hashOf } from '../../core/hash.js';
import { builtinSuites, loadSuite, modelIdOf } from '../../harness/sweep/suite.js';
import { models } from '../../harness/zoo/bases.js';
import type { Model } from '../../harness/model/model.js';
import type { Family } from '../../harness/model/config.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { makeBatch } from '../../harness/train/batch.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from './tiny.js';
import { tinyServices } from './tiny-services.js';

const FAMILIES: Family[] = ['encoder', 'decoder', 'gpt2'];

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

/** One row of the table: a technique, the config it runs with, and the model families it is checked on. */
export interface Row {
  technique: AnyTechnique;
  config: object;
  /** '' for the defaults, else what the config changes (for the test names). */
  label: string;
  families: Family[];
}

/** Every technique's defaults on every family, then each config a built-in suite runs, on its models' families. */
export function tableOf(all: AnyTechnique[]): Row[] {
  const rows: Row[] = all.map((t) => ({ technique: t, config: t.defaults, label: '', families: FAMILIES }));
  const seen = new Map<string, Row>();
  for (const name of builtinSuites()) {
    const suite = loadSuite(name);
    const families = [...new Set(suite.models.map((m) => models.get(modelIdOf(m)).config.family))];
    for (const e of suite.techniques) {
      if (typeof e === 'string' || !e.config || Object.keys(e.config).length === 0) continue;
      const t = all.find((x) => x.id === e.id);
      if (!t) continue;
      const config = t.validate(e.config);
      const key = `${t.id} ${hashOf(config)}`;
      const row = seen.get(key) ?? { technique: t, config, label: JSON.stringify(e.config), families: [] };
      row.families = [...new Set([...row.families, ...families])];
      seen.set(key, row);
    }
  }
  return [...rows, ...seen.values()];
}

/** A fresh tiny model of `family` with the row applied, its base outputs, and how to dispose both. */
function fixture(row: Row, family: Family, modelSeed = 0, applySeed = 1) {
  const model = tinyModel(family, modelSeed);
  const batch = tinyBatch(6, 42);
  const base = outputs(model, batch);
  const applied = applyTechnique(row.technique, model, row.config, ctxFor(model, applySeed, row.technique));
  return { model, applied, batch, base, dispose: () => (applied.dispose(), model.dispose(), tf.dispose([batch.ids, batch.mask, batch.labels])) };
}

/**
 * A few training steps (3, more up to 30 where a method moves later: LoRAHub composes at its search step), so that
 * equality checks cannot pass on an adapter that does nothing (non-vacuity).
 */
async function perturbed(row: Row, family: Family) {
  const f = fixture(row, family);
  let adapted = f.base;
  for (let steps = 0; steps < 30 && maxAbsDiff(adapted, f.base) <= 1e-5; steps += 3) {
    await trainSteps(f.model, f.applied, row.technique, 3);
    adapted = outputs(f.model, f.batch);
  }
  assert.ok(maxAbsDiff(adapted, f.base) > 1e-5, '30 training steps left the output equal to the base (vacuous adapter)');
  return { ...f, adapted };
}

/** With `f` a fixture, runs `check` and disposes the fixture whatever happens. */
async function using<F extends { dispose: () => void }>(make: () => F | Promise<F>, check: (f: F) => void | Promise<void>) {
  const f = await make();
  try {
    await check(f);
  } finally {
    f.dispose();
  }
}

/** Registers the conformance suite for one row (describe/it blocks) in the calling test file; every check builds its own model. */
export function conformance(row: Row | AnyTechnique): void {
  const r: Row = 'apply' in row ? { technique: row, config: row.defaults, label: '', families: FAMILIES } : row;
  const t = r.technique;
  describe(`conformance: ${t.id}${r.label ? ` ${r.label}` : ''}`, () => {
    before(useBackend);

    if (!r.label) {
      it('validate fills defaults and names a bad field', () => {
        const cfg = t.validate({});
        assert.deepEqual(cfg, t.defaults);
        assert.throws(() => t.validate({ no_such_field: 1 }), (e: Error) => e.message.includes(t.id) && e.message.includes('no_such_field'));
      });
    }

    for (const family of r.families) {
      describe(family, () => {
        const skip = (() => {
          const probe = tinyModel(family);
          try {
            return t.unsupported?.(probe) ?? null;
          } finally {
            probe.dispose();
          }
        })();

        it('matches the base at init where the method promises it', (c) => {
          if (skip) return c.skip(skip);
          if (!t.properties.identityAtInit) return c.skip('declared not identity at init');
          return using(() => fixture(r, family), (f) => {
            assert.ok(maxAbsDiff(outputs(f.model, f.batch), f.base) < ATOL);
          });
        });

        it('trains only its trainable variables, reduces the loss, leaks no tensors, and moves the output', (c) => {
          if (skip) return c.skip(skip);
          return using(() => fixture(r, family), async ({ model, applied, batch, base }) => {
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
        });

        it('trains and saves the task head exactly once, and counts trainable parameters honestly', (c) => {
          if (skip) return c.skip(skip);
          return using(() => fixture(r, family), ({ model, applied }) => {
            const vars = applied.paramGroups().flatMap((g) => g.vars);
            for (const [name, v] of model.named('head.**')) assert.equal(vars.filter((x) => x === v).length, 1, `head variable ${name} is trained ${vars.filter((x) => x === v).length} times`);
            const state = applied.adapterState();
            const missing = model.named('head.**').map(([n]) => n).filter((n) => !(n in state));
            tf.dispose(Object.values(state));
            assert.deepEqual(missing, [], 'the adapter state lacks the task head');
            const sum = vars.reduce((n, v) => n + v.size, 0);
            const fp = applied.footprint();
            if (applied.transformGrads) assert.ok(fp.trainableParams <= sum && fp.trainableParams > 0);
            else assert.equal(fp.trainableParams, sum);
          });
        });

        it('disabling restores the base exactly and enabling brings the adapter back', (c) => {
          if (skip) return c.skip(skip);
          if (t.properties.changesBase) return c.skip('changes base weights by design');
          return using(() => perturbed(r, family), ({ model, batch, base, adapted }) => {
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
        });

        it('saves adapter state only and loads it under another seed to identical outputs', (c) => {
          if (skip) return c.skip(skip);
          return using(() => perturbed(r, family), ({ model, applied, adapted }) => {
            const state = applied.adapterState();
            try {
              if (!t.properties.changesBase) {
                const baseNames = [...model.params.keys()].filter((n) => !n.startsWith('head.'));
                const leaked = Object.keys(state).filter((k) => baseNames.includes(k));
                assert.deepEqual(leaked, [], 'adapter state holds base weights');
              }
              const other = fixture(r, family, 7, 99);
              try {
                assert.ok(maxAbsDiff(outputs(other.model, other.batch), adapted) > 1e-5, 'another seed gives the trained outputs before loading');
                other.applied.loadAdapterState(state);
                assert.ok(maxAbsDiff(outputs(other.model, other.batch), adapted) < 1e-5);
              } finally {
                other.dispose();
              }
            } finally {
              tf.dispose(Object.values(state));
            }
          });
        });

        it('merges to the same outputs, and a second merge changes nothing', (c) => {
          if (skip) return c.skip(skip);
          return using(() => perturbed(r, family), ({ model, applied, batch, adapted }) => {
            if (!applied.merge) return c.skip('not mergeable');
            applied.merge();
            const merged = outputs(model, batch);
            assert.ok(maxAbsDiff(merged, adapted) < 1e-4, `merged output differs by ${maxAbsDiff(merged, adapted)}`);
            applied.merge();
            assert.ok(maxAbsDiff(outputs(model, batch), merged) < 1e-6);
          });
        });
      });
    }
  });
}
