// The default backend trains every model family with every technique, and falls back to pure npm without the addon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../harness/backend/index.js';
import { Model } from '../harness/model/model.js';
import { MODEL_PRESETS } from '../harness/model/config.js';
import { techniques } from '../techniques/index.js';
import { crossEntropy } from '../harness/train/objective.js';
import type { ApplyContext } from '../harness/plugin.js';
import { referenceStep } from '../bench/step.js';

const CHILD = 'FTBENCH_BACKEND_TEST_CHILD';

if (process.env[CHILD]) {
  // Child process of the fallback test: two reference steps on whatever backend initBackend picks.
  const info = await initBackend('auto');
  const step = referenceStep('full_ft');
  const losses = [step.step(), step.step()];
  console.log(JSON.stringify({ info, losses }));
  process.exit(0);
}

test('forward + backward of every model family with every technique on the default backend', async () => {
  const info = await initBackend('auto');
  for (const preset of MODEL_PRESETS.filter((p) => p.id.endsWith('-tiny'))) {
    for (const technique of techniques.all()) {
      const model = new Model({ ...preset.config, vocabSize: 97, maxLen: 16 }, 1);
      model.addHead(3);
      const ctx = { seed: 1, totalSteps: 10, sampleBatches: () => [], loss: () => tf.scalar(0) } as unknown as ApplyContext;
      const applied = technique.apply(model, technique.defaults as never, ctx);
      const vars = applied.paramGroups().flatMap((g) => g.vars);
      const ids = tf.tensor2d([[2, 5, 9, 11, 3, 0], [2, 7, 7, 8, 12, 3]], [2, 6], 'int32');
      const mask = tf.tensor2d([[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]]);
      model.training = true;
      const where = `${preset.id} × ${technique.id} on ${info.name}`;
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
        const cls = crossEntropy(model.classify(ids as tf.Tensor2D, mask as tf.Tensor2D), tf.tensor1d([0, 2], 'int32'));
        const h = tf.reshape(model.hidden(ids as tf.Tensor2D, mask as tf.Tensor2D), [-1, model.config.dModel]) as tf.Tensor2D;
        const lm = crossEntropy(model.lmLogits(h), tf.reshape(ids, [-1]));
        return tf.add(cls, lm) as tf.Scalar;
      }), vars);
      assert.ok(Number.isFinite(value.dataSync()[0]), `${where}: loss is not finite`);
      assert.ok(Object.keys(grads).length > 0, `${where}: no gradients`);
      for (const g of Object.values(grads)) assert.ok(g.dataSync().every(Number.isFinite), `${where}: non-finite gradient`);
      tf.dispose([value, ...Object.values(grads), ids, mask]);
      applied.dispose();
      model.dispose();
    }
  }
});

test('without the native addon (FTBENCH_NO_NATIVE=1) a training step still runs, after one warning', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, FTBENCH_NO_NATIVE: '1', [CHILD]: '1' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(out.info.name, 'wasm');
  assert.equal(out.info.kernelPack, 'js');
  assert.equal(out.info.blas, null);
  assert.ok(out.losses.every(Number.isFinite));
  const warnings = r.stderr.split('\n').filter((l) => l.startsWith('ftbench:'));
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(warnings[0], /libopenblas-dev/);
});
