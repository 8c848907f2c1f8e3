// The default backend trains every model family with every technique, and falls back to pure npm without the addon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../harness/backend/index.js';
import { disposeBatch } from '../harness/train/batch.js';
import { tinyBatch, tinyModel, tinyObjective } from './helpers/tiny.js';
import { techniques } from '../techniques/index.js';
import { crossEntropy } from '../harness/train/objectives/index.js';
import type { Applied, ApplyContext } from '../harness/plugin.js';
import { referenceStep } from '../bench/step.js';
import { applyTechnique } from '../harness/apply.js';

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
  const skipped: string[] = [];
  let ran = 0;
  for (const family of ['encoder', 'decoder'] as const) {
    for (const technique of techniques.all()) {
      const model = tinyModel(family);
      const ctx: ApplyContext = {
        seed: 1, totalSteps: 10,
        sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 100 + i)),
        loss: (b) => tinyObjective.loss(model, b),
      };
      const where = `${family} × ${technique.id} on ${info.name}`;
      let applied: Applied;
      try {
        applied = applyTechnique(technique, model, technique.defaults as never, ctx);
      } catch (e) {
        // A technique that does not apply to this family is the conformance suite's business, not the backend's.
        model.dispose();
        skipped.push(`${where}: ${(e as Error).message}`);
        continue;
      }
      const vars = applied.paramGroups().flatMap((g) => g.vars);
      const batch = tinyBatch(4, 7);
      model.training = true;
      // The task loss and the LM loss, so both heads' kernels run forward and backward.
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
        const cls = tinyObjective.loss(model, batch);
        const h = tf.reshape(model.hidden(batch.ids, batch.mask), [-1, model.config.dModel]) as tf.Tensor2D;
        const lm = crossEntropy(model.lmLogits(h), tf.reshape(batch.ids, [-1]));
        const aux = applied.auxLoss?.();
        return (aux ? tf.add(tf.add(cls, lm), aux) : tf.add(cls, lm)) as tf.Scalar;
      }), vars);
      assert.ok(Number.isFinite(value.dataSync()[0]), `${where}: loss is not finite`);
      assert.ok(Object.keys(grads).length > 0, `${where}: no gradients`);
      for (const g of Object.values(grads)) assert.ok(g.dataSync().every(Number.isFinite), `${where}: non-finite gradient`);
      tf.dispose([value, ...Object.values(grads)]);
      disposeBatch(batch);
      model.training = false;
      applied.dispose();
      model.dispose();
      ran++;
    }
  }
  if (skipped.length) console.log(`skipped (technique does not apply):\n  ${skipped.join('\n  ')}`);
  assert.ok(ran >= techniques.all().length, `only ${ran} family × technique pairs ran`);
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

test('a wasm abort is reported as one sentence naming the likely cause and the fixes', async () => {
  const { explainBackendError } = await import('../harness/backend/errors.js');
  const msg = explainBackendError('RuntimeError: Aborted(). Build with -sASSERTIONS for more info.');
  assert.match(msg, /wasm backend aborted.*heap.*batch_size.*--backend tensorflow/);
  assert.equal(msg.split('. ').length, 1);
  assert.equal(explainBackendError('Sequence length 300 exceeds the encoder\'s 256 positions.'), 'Sequence length 300 exceeds the encoder\'s 256 positions.');
});

test('a tensor too big for the wasm heap is refused with one sentence, and the backend keeps working', async (t) => {
  const info = await initBackend('auto');
  if (info.name !== 'wasm') return t.skip('the guard is the wasm backend\'s; others have no 4 GiB heap');
  const a = tf.ones([40000, 1]);
  const b = tf.ones([1, 40000]);
  // 1.6e9 floats: 6.4 GB, which the 32-bit byte count used to wrap to 2.1 GB (then a segfault in the GEMM).
  assert.throws(() => tf.matMul(a, b), /float32 tensor of shape \[40000, 40000\] needs 6\.0 GiB, more than the wasm backend's 4 GiB heap/);
  const y = tf.matMul(b, a); // [1, 1]: still works
  assert.equal(y.dataSync()[0], 40000);
  tf.dispose([a, b, y]);
});
