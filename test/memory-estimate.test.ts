// The plan-time memory estimate (harness/model/memory.ts) at real shapes, from config.json alone; activations sized by the
// data's longest tokenised example, not max_len; and a sweep that refuses full fine-tuning of a 7B base with one
// sentence, stores only that failed trial (and its run) and changes nothing else, without a weight file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { estimateTrialMemory, fits, refusal, type TrialShape } from '../harness/model/memory.js';
import { hfModelConfig } from '../harness/model/import/index.js';
import { shapeById } from '../harness/model/import/shapes.js';
import { byteLevelTokenizerJson } from '../harness/model/import/tokenizer-json.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-fits-'));
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
const GiB = 1024 ** 3;

/** A checkpoint folder with config.json and tokenizer.json but no weights: enough for the estimate, nothing to load. */
function configOnly(shape: string): string {
  const s = shapeById(shape);
  const dir = path.join(root, shape);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(s.config));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(byteLevelTokenizerJson([], s.config.vocab_size, s.specials)));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(s.tokenizerConfig));
  return dir;
}

const qlora1b: TrialShape = { batchSize: 4, seqLen: 256, config: { r: 16 }, trainsAll: false, packed: true, checkpointing: true };

test('estimates at real shapes: QLoRA fits where full fine-tuning does not', () => {
  const tiny = hfModelConfig(configOnly('tinyllama-1.1b'));
  const q = estimateTrialMemory(tiny, qlora1b);
  console.log(`tinyllama-1.1b QLoRA r16 4×256 checkpointed: ${(q.total / GiB).toFixed(2)} GiB (packed ${(q.packed / GiB).toFixed(2)})`);
  assert.ok(q.packed > 0.45 * GiB && q.packed < 0.6 * GiB, 'NF4 of ~1B linear weights is ~0.5 GiB');
  assert.ok(q.total < 3 * GiB && fits(q, 4 * GiB, 'wasm'));
  const lora = estimateTrialMemory(tiny, { ...qlora1b, packed: false });
  assert.ok(lora.weights > 4 * GiB && !fits(lora, 4 * GiB, 'wasm') && fits(lora, 24 * GiB, 'native'), 'fp32 LoRA on 1.1B needs native memory');
  const plain = estimateTrialMemory(tiny, { ...qlora1b, checkpointing: false });
  assert.ok(plain.activations > 3 * q.activations, 'checkpointing keeps a fraction of the activations');

  const big = hfModelConfig(configOnly('llama-7b'));
  const full = estimateTrialMemory(big, { ...qlora1b, batchSize: 1, seqLen: 128, config: {}, trainsAll: true, packed: false });
  assert.ok(full.weights > 24 * GiB && full.optimizer > 70 * GiB);
  const q7 = estimateTrialMemory(big, { ...qlora1b, batchSize: 1, seqLen: 128 });
  console.log(`llama-7b QLoRA 1×128 checkpointed: ${(q7.total / GiB).toFixed(2)} GiB; full FT ${(full.total / GiB).toFixed(0)} GiB`);
  assert.ok(q7.total < 8 * GiB && fits(q7, 24 * GiB, 'native'));
  assert.equal(refusal('x', big, { ...qlora1b, batchSize: 1, seqLen: 128 }, 24 * GiB, 'native'), null);
  // Full fine-tuning of the 7B shape on 24 GiB: the sentence names QLoRA (which fits) and not LoRA (27 GB of fp32 weights).
  const no = refusal('Full FT', big, { ...qlora1b, batchSize: 1, seqLen: 128, config: {}, trainsAll: true, packed: false, checkpointing: false }, 24 * GiB, 'native');
  assert.match(no ?? '', /^Full FT needs about \d+ GiB \(weights \d+ GiB, optimizer \d+ GiB, activations [\d.]+ GiB\) but the native backend has 24 GiB: use qlora \(r 8\) with gradient_checkpointing \(about [\d.]+ GiB\)\.$/);
});

/** A CSV classification file of `n` distinct rows, texts of `chars` bytes (a token a byte under configOnly's tokenizer). */
function csvOf(name: string, n: number, chars: number): string {
  const rows = Array.from({ length: n }, (_, i) => `${`${i} ${(i % 2 ? 'good ' : 'bad ').repeat(Math.ceil(chars / 4))}`.slice(0, chars).trim()},${i % 2}`);
  fs.writeFileSync(path.join(root, name), 'text,label\n' + rows.join('\n') + '\n');
  return name;
}

test('activations are sized by the longest tokenised example: short data at a huge max_len fits, long data does not', async () => {
  configOnly('tinyllama-1.1b');
  const file = path.join(root, 'lengths.yaml');
  // Batch 256 at max_len 2048 is hundreds of GiB of activations; 256 rows of ~10 tokens are a few MiB.
  fs.writeFileSync(file, `name: lengths
models:
  - { id: tiny, format: hf, path: ./tinyllama-1.1b }
datasets:
  - { id: short, format: csv, path: ${csvOf('short.csv', 40, 8)}, task: classification }
  - { id: long, format: csv, path: ${csvOf('long.csv', 40, 1000)}, task: classification }
techniques: [qlora]
budget: { steps: 1, batch_size: 256, lr: 1.0e-4, max_len: 2048, gradient_checkpointing: true }
`);
  const { loadSuite, datasetIdOf } = await import('../harness/sweep/suite.js');
  const { plan } = await import('../harness/sweep/plan.js');
  const { refusedTrials, trialRefusal } = await import('../harness/sweep/preflight.js');
  const { TrainRows } = await import('../harness/sweep/train-rows.js');
  const { loadFileDataset } = await import('../datasets/files/index.js');
  const { techniques } = await import('../techniques/index.js');
  const suite = loadSuite(file);
  const trials = plan(suite, techniques);
  const datasets = new Map();
  for (const d of suite.datasets) datasets.set(datasetIdOf(d), await loadFileDataset(d as Parameters<typeof loadFileDataset>[0]));
  const rows = new TrainRows();
  const refused = await refusedTrials(suite, trials, datasets, rows, 'native');
  const short = trials.find((t) => t.dataset === 'short')!;
  const long = trials.find((t) => t.dataset === 'long')!;
  assert.equal(refused.get(short), undefined, 'short examples fit at any max_len');
  // The same trial judged at max_len (the estimate before this change) is refused: the test tells the two apart.
  assert.ok(trialRefusal(short, hfModelConfig(path.join(root, 'tinyllama-1.1b')), 'native'), 'at max_len it would not fit');
  const no = refused.get(long) ?? '';
  console.log(no);
  const m = /^Trial qlora on tiny\/long at batch 256 × (\d+) tokens \(the longest example\) needs about [\d.]+ GiB \(weights [\d.]+ GiB \([\d.]+ GiB of it NF4-packed\), optimizer [\d.]+ GiB, activations [\d.]+ GiB\) but the native backend has [\d.]+ GiB: use batch_size \d+ or less/.exec(no);
  assert.ok(m, `the long data is refused with the sentence: ${no}`);
  assert.ok(Number(m[1]) >= 1000 && Number(m[1]) < 1010, `the length assumed is the longest example's (${m[1]} tokens), not max_len`);
  assert.equal(no.split('. ').length, 1, 'one sentence');
  // The rows tokenised for the check are the trial's: the same array comes back, not a second tokenisation.
  const again = rows.of(long, 2048, datasets.get('long').splits.train, () => assert.fail('tokenised twice'));
  assert.equal(again.rows.length, datasets.get('long').splits.train.length);
});

test('a sweep refuses full fine-tuning of the 7B shape with one sentence, stores only that failed trial, and loads nothing', async () => {
  const dir = configOnly('llama-7b');
  const csv = 'text,label\n' + Array.from({ length: 20 }, (_, i) => `${i % 2 ? 'good' : 'bad'} ${i},${i % 2}`).join('\n') + '\n';
  fs.writeFileSync(path.join(root, 'data.csv'), csv);
  const file = path.join(root, 'suite.yaml');
  fs.writeFileSync(file, `name: too-big
models:
  - { id: llama-7b, format: hf, path: ./llama-7b }
datasets:
  - { id: toy, format: csv, path: data.csv, task: classification }
techniques: [full-ft]
budget: { steps: 2, batch_size: 1, lr: 1.0e-4, max_len: 128 }
`);
  const { loadSuite } = await import('../harness/sweep/suite.js');
  const { runSweep } = await import('../harness/sweep/run.js');
  const { initBackend } = await import('../harness/backend/index.js');
  const { Store } = await import('../harness/store/index.js');
  const { techniques } = await import('../techniques/index.js');
  const db = path.join(root, 'r.duckdb');
  // Every table's row count before and after: the sweep may add its run and the one failed trial, nothing else.
  const counts = async () => {
    const s = await Store.open(db, { createDir: true });
    try {
      const tables = (await s.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name`)).map((r) => String(r.table_name));
      return Object.fromEntries(await Promise.all(tables.map(async (t) => [t, (await s.query(`SELECT count(*)::INT AS n FROM ${t}`))[0].n as number])));
    } finally {
      await s.close();
    }
  };
  const before = await counts();
  const summary = await runSweep(loadSuite(file), { db, backend: await initBackend(), techniques });
  assert.equal(summary.ran, 1);
  assert.equal(summary.failed, 1);
  assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.safetensors')), 'the folder never had weights: nothing was loaded');
  assert.deepEqual(await counts(), { ...before, runs: before.runs + 1, trials: before.trials + 1 });
  const s = await Store.open(db);
  try {
    const trials = await s.query('SELECT status, error, steps FROM trials');
    assert.equal(trials.length, 1);
    assert.equal(trials[0].status, 'failed');
    assert.equal(trials[0].steps, 0);
    const error = String(trials[0].error);
    console.log(error);
    assert.match(error, /^Trial full-ft on llama-7b\/toy at batch 1 × \d+ tokens \(the longest example\) needs about [\d.]+ GiB \(weights [\d.]+ GiB, optimizer [\d.]+ GiB, activations [\d.]+ GiB\) but the \w+ backend has [\d.]+ GiB: use .*qlora/);
    assert.equal(error.split('. ').length, 1, 'one sentence');
    assert.deepEqual(await s.query(`SELECT status FROM runs`), [{ status: 'finished' }]);
  } finally {
    await s.close();
  }
  // The same sweep again finds the refusal stored (its base never had a checkpoint hash: refused before load) and
  // adds only its run: nothing judged again, nothing loaded.
  const again = await runSweep(loadSuite(file), { db, backend: await initBackend(), techniques });
  assert.deepEqual([again.skippedAsDone, again.ran], [1, 0]);
  assert.deepEqual(await counts(), { ...before, runs: before.runs + 2, trials: before.trials + 1 });
});
