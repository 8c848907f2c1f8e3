// Evaluation batches: rows per batch shrink when the LM head scores every position, and batching never changes a prediction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../harness/backend/index.js';
import { Model } from '../harness/model/model.js';
import { evalBatchRows, predictAll } from '../harness/eval/evaluate.js';
import { objectiveFor } from '../harness/train/objectives/index.js';
import type { Dataset } from '../datasets/index.js';
import { tinyConfig } from './helpers/tiny.js';

const dataset = (kind: Dataset['kind']): Dataset => ({
  id: 'eval-batch', name: 'eval batch', kind, metrics: kind === 'language-modeling' ? ['perplexity'] : ['accuracy'],
  labels: kind === 'classification' ? ['a', 'b'] : undefined, contentHash: 'x',
  card: { description: '', source: '', license: '', size: '', splitBy: '' }, splits: { train: [], dev: [], test: [] },
});
const tok = { encode: (s: string) => [...s].map((c) => 4 + (c.charCodeAt(0) % 40)) };

test('an LM head evaluates in fewer rows per batch (128 MiB of logits), a task head in 64', async () => {
  await initBackend();
  const big = new Model({ ...tinyConfig('decoder'), vocabSize: 8000, maxLen: 256 }, 0);
  assert.equal(evalBatchRows(big, objectiveFor(dataset('language-modeling'), tok, 256), 256), 16); // 2^25 / (256 · 8000)
  assert.equal(evalBatchRows(big, objectiveFor(dataset('classification'), tok, 256), 256), 64);
  big.dispose();
});

test('perplexity per window is the same in batches of 3 as in batches of 64', async () => {
  await initBackend();
  const m = new Model(tinyConfig('decoder'), 0);
  const lm = objectiveFor(dataset('language-modeling'), tok, 24);
  const rows = ['the cat sat on the mat', 'a dog', 'long-context windows of text', 'x y z'].map((text) => lm.encode({ text, label: 0 }));
  const all = await predictAll(m, lm, rows, 24);
  const threes = await predictAll(m, lm, rows, 24, 3);
  assert.equal(all.length, 4);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(all[i] - threes[i]) < 1e-4, `${all[i]} vs ${threes[i]}`);
  m.dispose();
});
