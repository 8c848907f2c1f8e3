// S-LoRA: one batch whose rows use different unmerged adapters gives what each row gives with its own adapter merged.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { sLora, perturbedCopies } from '../../techniques/application/s-lora.js';
import { forwardMergedPerRequest, forwardUnmerged } from '../../techniques/application/serving/multi-lora.js';
import { loraAdapter } from '../../techniques/shared/delta-layer.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, useBackend } from '../helpers/tiny.js';
import { applyTechnique } from '../../harness/apply.js';

describe('s-lora', () => {
  before(useBackend);

  for (const family of ['encoder', 'decoder'] as const) {
    it(`${family}: the batched multi-adapter forward equals per-request merging (1e-4)`, () => {
      const model = tinyModel(family);
      const ctx = { seed: 3, totalSteps: 1, sampleBatches: (n: number) => Array.from({ length: n }, (_, i) => tinyBatch(8, 60 + i)), loss: () => tf.scalar(0) };
      const applied = applyTechnique(sLora, model, sLora.defaults, ctx);
      const adapter = loraAdapter(model, model.find(sLora.defaults.targets), { r: 8, scale: 1, dropout: 0, seed: 9 });
      for (const { vars: { lora_B: B } } of adapter.layers) tf.tidy(() => B.assign(tf.randomNormal(B.shape, 0, 0.3, 'float32', 5)));
      const adapters = perturbedCopies(adapter, 4, 0.5, 11);
      const b = tinyBatch(8, 42);
      const rows = [0, 1, 2, 3, 3, 2, 1, 0];
      const linears = adapter.layers.map((l) => l.linear);
      const base = outputs(model, b);
      const un = forwardUnmerged(model, linears, adapters, 1, b.ids, b.mask, rows);
      const me = forwardMergedPerRequest(model, linears, adapters, 1, b.ids, b.mask, rows);
      const same = forwardUnmerged(model, linears, adapters, 1, b.ids, b.mask, rows.map(() => 0));
      const d = maxAbsDiff(un.dataSync(), me.dataSync());
      assert.ok(d < 1e-4, `unmerged and merged differ by ${d}`);
      assert.ok(maxAbsDiff(un.dataSync(), same.dataSync()) > 1e-3, 'rows must use their own adapters');
      assert.ok(maxAbsDiff(un.dataSync(), base) > 1e-3, 'the adapters change the output');
      assert.ok(maxAbsDiff(outputs(model, b), base) < 1e-6, 'serving leaves the model as it was');
      // The plugin's own measurement, on a trained-like adapter (B ≠ 0).
      const st = applied.adapterState();
      applied.loadAdapterState(Object.fromEntries(Object.entries(st).map(([k, v]) => [k, k.endsWith('lora_B') ? tf.randomNormal(v.shape, 0, 0.3, 'float32', 8) : v])));
      const m = applied.metrics!();
      for (const n of [1, 4, 16]) {
        for (const k of ['unmerged', 'merged']) assert.ok(m[`throughput.${k}.n${n}`] > 0, `throughput.${k}.n${n}`);
        assert.ok(m[`serving.max_abs_diff.n${n}`] < 1e-4);
      }
      tf.dispose([un, me, same, b.ids, b.mask, b.labels, ...adapters.flatMap((a) => [...a.values()].flatMap((p) => [p.A, p.B]))]);
      adapter.dispose();
      applied.dispose();
      model.dispose();
    });
  }
});
