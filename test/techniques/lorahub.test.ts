// LoRAHub: upstream modules from the harness (tiny tasks through the real trainer), composed as A = Σ wᵢAᵢ, B = Σ wᵢBᵢ
// with w searched gradient-free; only the head trains; the weights are recorded.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { lorahub } from '../../techniques/application/lorahub.js';
import type { ApplyContext } from '../../harness/plugin.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { maxAbsDiff, tinyBatch, tinyModel, tinyObjective, tinyRows, useBackend } from '../helpers/tiny.js';
import { loraAdapter } from '../../techniques/shared/delta-layer.js';
import { applied as appliedOf } from '../../techniques/shared/applied.js';
import type { Model } from '../../harness/model/model.js';
import { tinyServices } from '../helpers/tiny-services.js';
import { applyTechnique } from '../../harness/apply.js';

describe('lorahub', () => {
  before(useBackend);

  it('composes upstream modules with searched weights, the matching task weighted most; only the head trains', async () => {
    const lr = 2e-2;
    const services = tinyServices('encoder', lr);
    // Upstream signals 4, 5 and 7; the target (tinyRows) is about token 7, like tiny-3.
    const cfg = lorahub.validate({ upstream: ['tiny-0', 'tiny-1', 'tiny-3'], upstreamSteps: 30, searchAt: 0.2 });
    const requested: string[] = [];
    const injected = { ...services, trainAdapter: (id: string, o: Parameters<typeof services.trainAdapter>[1]) => (requested.push(id), services.trainAdapter(id, o)) };
    const model = tinyModel('encoder');
    const ctx: ApplyContext = { seed: 1, totalSteps: 30, sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(16, 300 + i)), loss: (b) => tinyObjective.loss(model, b), services: injected };
    const applied = applyTechnique(lorahub, model, cfg, ctx);
    const head = new Set(model.named('head.**').map(([, v]) => v));
    assert.ok(applied.paramGroups().flatMap((g) => g.vars).every((v) => head.has(v)), 'the composition is searched, not trained');
    const budget = { steps: 30, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' as const };
    await train({ model, applied, objective: tinyObjective, stream: new BatchStream(tinyRows(64), 8, tinyObjective, 32, 1), budget, optimizerSpec: { lr, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 } });
    assert.deepEqual(requested, ['tiny-0', 'tiny-1', 'tiny-3']);
    const w = applied.metrics!();
    assert.deepEqual(Object.keys(w), ['weight.tiny-0', 'weight.tiny-1', 'weight.tiny-3']);
    assert.ok(Math.abs(w['weight.tiny-3']) > Math.max(Math.abs(w['weight.tiny-0']), Math.abs(w['weight.tiny-1'])), 'the module of the matching task weighs most');
    // A and B are composed separately from the upstream modules (retrained here: the tiny trainer is deterministic).
    const upstream = (m: Model, c: ApplyContext) => appliedOf(m, loraAdapter(m, m.find(cfg.targets), { r: cfg.r, scale: cfg.alpha / cfg.r, dropout: 0, seed: c.seed }));
    const modules: Record<string, tf.Tensor>[] = [];
    for (const id of cfg.upstream) modules.push(await services.trainAdapter(id, { apply: upstream, steps: 30 }));
    const weights = cfg.upstream.map((id) => w[`weight.${id}`]);
    const state = applied.adapterState();
    for (const key of ['layers.0.attn.q.lora_A', 'layers.1.attn.v.lora_B']) {
      const expected = tf.tidy(() => tf.addN(modules.map((m, i) => tf.mul(m[key], weights[i]))));
      assert.ok(maxAbsDiff(state[key].dataSync(), expected.dataSync()) < 1e-5, `${key} = Σ wᵢ·(module i)`);
      expected.dispose();
    }
    tf.dispose(modules.flatMap((s) => Object.values(s)));
    tf.dispose(Object.values(state));
    applied.dispose();
    model.dispose();
  });
});
