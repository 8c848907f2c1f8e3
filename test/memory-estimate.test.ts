// The plan-time memory estimate (harness/model/memory.ts) at real shapes, from config.json alone, and a sweep that refuses
// full fine-tuning of a 7B base with one sentence, stores the trial as failed and touches nothing else, without a weight file.
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

test('a sweep refuses full fine-tuning of the 7B shape with one sentence, stores it failed, and loads nothing', async () => {
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
  const summary = await runSweep(loadSuite(file), { db, backend: await initBackend(), techniques });
  assert.equal(summary.ran, 1);
  assert.equal(summary.failed, 1);
  assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.safetensors')), 'the folder never had weights: nothing was loaded');
  const s = await Store.open(db);
  try {
    const trials = await s.query('SELECT status, error FROM trials');
    assert.equal(trials.length, 1);
    assert.equal(trials[0].status, 'failed');
    const error = String(trials[0].error);
    console.log(error);
    assert.match(error, /^Trial full-ft on llama-7b\/toy \(batch_size 1, max_len 128\) needs about [\d.]+ GiB \(weights [\d.]+ GiB, optimizer [\d.]+ GiB, activations [\d.]+ GiB\) but the \w+ backend has [\d.]+ GiB: use .*qlora/);
    assert.equal(error.split('. ').length, 1, 'one sentence');
    for (const table of ['metrics', 'curves', 'predictions']) assert.deepEqual(await s.query(`SELECT count(*)::INT AS n FROM ${table}`), [{ n: 0 }], table);
  } finally {
    await s.close();
  }
});
