// make-checkpoint: random Hugging Face folders of real shapes (shrunk here by config overrides) that the importer reads;
// sharding, the index, bf16/f16 storage and the generated tokenizer.json are checked against what the format requires.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { makeCheckpoint } from '../harness/zoo/make-checkpoint.js';
import { checkpointParams, checkpointTensors, shapeById, SHAPES } from '../harness/model/import/shapes.js';
import { SafetensorsIndex, floatToBf16, floatToHalf, halfToFloat } from '../harness/model/safetensors-file.js';
import { importHf } from '../harness/model/import/index.js';
import { loadHfTokenizer } from '../text/hf.js';
import { Model } from '../harness/model/model.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-makeckpt-'));
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));

const smallLlama = { hidden_size: 64, intermediate_size: 96, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 700 };

test('the named shapes have their published parameter counts', () => {
  const millions = (id: string) => Math.round(checkpointParams(shapeById(id).config) / 1e6);
  assert.equal(millions('tinyllama-1.1b'), 1100);
  assert.equal(millions('llama-7b'), 6738);
  assert.equal(millions('qwen2.5-1.5b'), 1544);
  assert.equal(millions('gpt2-medium'), 355);
  // RobertaForMaskedLM: the 124.6M encoder plus the MLM head's dense, norm and bias.
  assert.equal(millions('roberta-base'), 125);
  assert.throws(() => shapeById('llama-70b'), /Unknown checkpoint shape "llama-70b"; shapes: tinyllama-1.1b/);
});

test('a sharded bf16 LLaMA folder: index covers every tensor, values are the f32 ones rounded to bf16, and it imports', async () => {
  const f32 = path.join(root, 'llama-f32');
  const bf16 = path.join(root, 'llama-bf16');
  const a = await makeCheckpoint('tinyllama-1.1b', f32, { override: smallLlama, seed: 3 });
  const b = await makeCheckpoint('tinyllama-1.1b', bf16, { override: smallLlama, seed: 3, dtype: 'bf16', maxShardBytes: 60_000 });
  assert.deepEqual(a.files, ['model.safetensors']);
  assert.ok(b.files.length > 2, `expected several shards, got ${b.files}`);
  const index = JSON.parse(fs.readFileSync(path.join(bf16, 'model.safetensors.index.json'), 'utf8'));
  const specs = checkpointTensors({ ...shapeById('tinyllama-1.1b').config, ...smallLlama });
  assert.deepEqual(Object.keys(index.weight_map).sort(), specs.map((s) => s.name).sort());
  assert.equal(index.metadata.total_size, a.params * 2);
  for (const f of b.files) {
    const alone = Object.values(index.weight_map).filter((x) => x === f).length === 1; // a tensor above the limit gets its own shard
    assert.ok(alone || fs.statSync(path.join(bf16, f)).size <= 60_000 + 4096, `${f} is larger than a shard may be`);
  }

  const full = new SafetensorsIndex(path.join(f32, 'model.safetensors'));
  const name = 'model.layers.1.self_attn.k_proj.weight';
  const shardOf = new SafetensorsIndex(path.join(bf16, index.weight_map[name]));
  assert.deepEqual(shardOf.entries.get(name)!.shape, [2 * 16, 64]); // 2 key/value heads of 16
  const x = full.read(name);
  const y = shardOf.read(name);
  let changed = 0;
  for (let i = 0; i < x.length; i++) {
    assert.equal(y[i], new Float32Array(new Uint32Array([floatToBf16(x[i]) << 16]).buffer)[0]);
    if (y[i] !== x[i]) changed++;
  }
  assert.ok(changed > x.length / 2, 'bf16 storage should round most values');
  const std = Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0) / x.length);
  assert.ok(Math.abs(std - 0.02) < 0.003, `init std ${std} should be initializer_range 0.02`);
  assert.deepEqual([...full.read('model.norm.weight')], new Array(64).fill(1));

  const imp = importHf(bf16);
  assert.equal(imp.config.nLayers, 2);
  assert.equal(imp.config.dModel, 64);
  const model = new Model(imp.config, 0);
  model.load(imp.state, { strict: true });
  const ids = imp.tokenizer.encode('The President spoke to Congress about the whale.');
  const logits = tf.tidy(() => model.lmLogits(model.hidden(tf.tensor2d([ids], undefined, 'int32'), tf.ones([1, ids.length])).reshape([ids.length, 64]) as tf.Tensor2D));
  assert.equal(logits.shape[1], imp.config.vocabSize);
  assert.ok((await logits.data()).every(Number.isFinite));
  tf.dispose([logits, ...Object.values(imp.state)]);
  model.dispose();
});

test('the generated tokenizer.json has the shape\'s vocabulary size and special ids, and round-trips text', async () => {
  for (const s of SHAPES) {
    const dir = path.join(root, `tok-${s.id}`);
    const vocab = s.config.vocab_size as number;
    fs.mkdirSync(dir);
    // Only the tokenizer is under test: a one-layer, narrow model keeps the weights small (the vocabulary stays real).
    const narrow = s.config.model_type === 'gpt2' ? { n_layer: 1, n_embd: 8, n_head: 2 } : { num_hidden_layers: 1, hidden_size: 8, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 8 };
    await makeCheckpoint(s, dir, { override: narrow });
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
    const ids = Object.values(json.model.vocab) as number[];
    assert.equal(new Set(ids).size, vocab, `${s.id}: vocabulary ids are not distinct`);
    assert.equal(ids.reduce((m, v) => Math.max(m, v), 0), vocab - 1, s.id);
    for (const [tok, id] of Object.entries(s.specials)) assert.equal(json.model.vocab[tok], id, `${s.id}: ${tok}`);
    const tok = loadHfTokenizer(dir, vocab);
    const text = 'Fellow citizens: the whale, 1853 — and "Call me Ishmael."';
    assert.equal(tok.decode(tok.encode(text)), text, s.id);
    assert.ok(tok.encode(text).length < text.length / 2, `${s.id}: merges should shorten text`);
    const imp = importHf(dir);
    assert.equal(imp.config.vocabSize, tok.vocabSize, s.id);
    tf.dispose(Object.values(imp.state));
  }
});

test('f16 and bf16 conversions round to nearest even, with subnormals and overflow', () => {
  assert.equal(floatToBf16(1), 0x3f80);
  assert.equal(floatToBf16(1 + 2 ** -8), 0x3f80); // tie → even
  assert.equal(floatToBf16(1 + 3 * 2 ** -8), 0x3f82);
  assert.equal(floatToHalf(1), 0x3c00);
  assert.equal(floatToHalf(65504), 0x7bff);
  assert.equal(floatToHalf(1e6), 0x7c00);
  assert.equal(floatToHalf(-2), 0xc000);
  assert.equal(halfToFloat(floatToHalf(2 ** -24)), 2 ** -24); // smallest subnormal
  assert.equal(halfToFloat(floatToHalf(0.1)), 0.0999755859375);
  for (const v of [0.02, -0.0371, 3.14159, 1e-5]) assert.ok(Math.abs(halfToFloat(floatToHalf(v)) - v) <= Math.abs(v) * 2 ** -11 + 2 ** -25, `${v}`);
});
