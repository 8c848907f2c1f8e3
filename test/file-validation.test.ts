// Checkpoints and cached files are validated: a bad config.json (per family), shard index, safetensors header, cached
// base description or checkpoint, or export manifest is one sentence naming the file and the field, and a model
// without layers stops the sweep at plan time with nothing stored.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importHf } from '../harness/model/import/index.js';
import { loadSafetensors, saveSafetensors } from '../harness/model/safetensors.js';
import { readSafetensorsHeader } from '../harness/model/safetensors-header.js';
import { Store } from '../harness/store/index.js';
import { runMeta, trial } from '../harness/store/testing.js';
import { exportStore, importInto } from '../harness/store/exchange.js';
import { gpt2TokenizerJson } from './hf-fixtures.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-files-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const re = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

/** A folder holding only config.json: the config is checked before the tokenizer or weights are looked at. */
function configDir(name: string, config: unknown): string {
  const dir = path.join(root, 'configs', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

const GPT2 = { model_type: 'gpt2', vocab_size: 269, n_embd: 4, n_layer: 1, n_head: 2, n_positions: 8 };
const BERT = { model_type: 'bert', vocab_size: 20, hidden_size: 8, num_attention_heads: 2, num_hidden_layers: 1, intermediate_size: 16, max_position_embeddings: 16 };
const LLAMA = { model_type: 'llama', vocab_size: 20, hidden_size: 8, num_attention_heads: 2, num_hidden_layers: 1, intermediate_size: 16 };

/** [name, config, the sentence after "Checkpoint config <file>: "]. */
const BAD_CONFIGS: [string, object, string][] = [
  ['gpt2 without n_embd', { ...GPT2, n_embd: undefined }, 'field "n_embd" is missing, but must be a number'],
  ['gpt2 n_head a string', { ...GPT2, n_head: '2' }, 'field "n_head" is "2", but must be a number'],
  ['gpt2 n_layer 0', { ...GPT2, n_layer: 0 }, 'field "n_layer" is 0, but must be at least 1'],
  ['gpt2 n_layer -2', { ...GPT2, n_layer: -2 }, 'field "n_layer" is -2, but must be at least 1'],
  ['gpt2 without n_positions', { ...GPT2, n_positions: undefined }, 'field "n_positions" is missing'],
  ['gpt2 fractional n_positions', { ...GPT2, n_positions: 7.5 }, 'field "n_positions" is 7.5, but must be a whole number'],
  ['gpt2 heads not dividing the width', { ...GPT2, n_head: 3 }, 'field "n_head" is 3, which does not divide n_embd 4'],
  ['bert without hidden_size', { ...BERT, hidden_size: undefined }, 'field "hidden_size" is missing'],
  ['bert no layers', { ...BERT, num_hidden_layers: 0 }, 'field "num_hidden_layers" is 0, but must be at least 1'],
  ['bert heads not dividing the width', { ...BERT, num_attention_heads: 3 }, 'field "num_attention_heads" is 3, which does not divide hidden_size 8'],
  ['bert intermediate_size a string', { ...BERT, intermediate_size: '16' }, 'field "intermediate_size" is "16", but must be a number'],
  ['roberta positions all reserved', { ...BERT, model_type: 'roberta', pad_token_id: 1, max_position_embeddings: 2 }, 'field "max_position_embeddings" is 2, which leaves no positions'],
  ['llama no layers', { ...LLAMA, num_hidden_layers: 0 }, 'field "num_hidden_layers" is 0, but must be at least 1'],
  ['llama heads not dividing the width', { ...LLAMA, num_attention_heads: 3 }, 'field "num_attention_heads" is 3, which does not divide hidden_size 8'],
  ['llama kv heads not dividing the heads', { ...LLAMA, num_attention_heads: 4, num_key_value_heads: 3 }, 'field "num_key_value_heads" is 3, which does not divide num_attention_heads 4'],
  ['mistral max_position_embeddings 0', { ...LLAMA, model_type: 'mistral', max_position_embeddings: 0 }, 'field "max_position_embeddings" is 0, but must be at least 1'],
  ['no model_type', { n_embd: 4 }, 'field "model_type" is missing, but must be a string'],
];

describe('config.json of an imported checkpoint', () => {
  for (const [name, config, sentence] of BAD_CONFIGS) {
    it(`${name}: one sentence naming the file and the field`, () => {
      const dir = configDir(name.replace(/\W+/g, '-'), config);
      const file = path.join(dir, 'config.json');
      assert.throws(() => importHf(dir), (e: Error) => {
        assert.match(e.message, new RegExp(`^${re(`Checkpoint config ${file}: ${sentence}`).source}.*; correct it .* or point the suite at another checkpoint\\.$`));
        return true;
      });
    });
  }

  it('a config.json that does not parse names the file', () => {
    const dir = configDir('not-json', '{"model_type": "gpt2", ');
    assert.throws(() => importHf(dir), re(`Checkpoint config ${path.join(dir, 'config.json')} is not valid JSON (`));
  });

  it('a valid config passes on to the next file (the check is not vacuous)', () => {
    for (const c of [GPT2, BERT, LLAMA, { ...BERT, model_type: 'roberta', pad_token_id: 1, max_position_embeddings: 18 }]) {
      const dir = configDir(`ok-${c.model_type}`, c);
      assert.throws(() => importHf(dir), /tokenizer\.json does not exist/);
    }
  });
});

describe('model.safetensors.index.json', () => {
  const dir = path.join(root, 'sharded');
  const index = path.join(dir, 'model.safetensors.index.json');
  const write = (v: unknown) => fs.writeFileSync(index, typeof v === 'string' ? v : JSON.stringify(v));
  const check = (pattern: RegExp) => assert.throws(() => importHf(dir), pattern);

  it('names the index and the field for each way it can be wrong', async () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(GPT2));
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(gpt2TokenizerJson().json));
    await saveSafetensors(path.join(dir, 'model-00001-of-00001.safetensors'), { 'wte.weight': tf.zeros([2, 2]) });
    write('{"weight_map": {');
    check(re(`Checkpoint shard index ${index} is not valid JSON (`));
    write({ metadata: {} });
    check(re(`Checkpoint shard index ${index}: field "weight_map" is missing, but must be an object`));
    write({ weight_map: {} });
    check(re(`Checkpoint shard index ${index}: field "weight_map" is empty`));
    write({ weight_map: { 'wte.weight': '../elsewhere.safetensors' } });
    check(re(`Checkpoint shard index ${index}: field "weight_map.wte.weight" is not a file name in the checkpoint folder`));
    write({ weight_map: { 'wte.weight': 'model-00001-of-00001.safetensors', 'wpe.weight': 'model-00002-of-00002.safetensors' } });
    check(re(`Checkpoint shard index ${index}: field "weight_map.wpe.weight" names shard model-00002-of-00002.safetensors, which is not in ${dir}`));
    // Non-vacuity: a good index gets past the index to the weights' mapping.
    write({ weight_map: { 'wte.weight': 'model-00001-of-00001.safetensors' } });
    assert.throws(() => importHf(dir), (e: Error) => !/index/.test(e.message) && /embedding/.test(e.message));
  });
});

/** A safetensors file from a raw header and `dataBytes` bytes of data (what a damaged or foreign writer leaves). */
function rawSafetensors(name: string, header: unknown, dataBytes: number, headerLength?: number): string {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerLength ?? json.length));
  const file = path.join(root, 'st', `${name}.safetensors`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat([len, json, Buffer.alloc(dataBytes)]));
  return file;
}

const f32 = (shape: unknown, offsets: unknown) => ({ dtype: 'F32', shape, data_offsets: offsets });

/** [name, header, data bytes, the reason after "is not a valid safetensors file: ", header length override]. */
const BAD_HEADERS: [string, unknown, number, string, number?][] = [
  ['shape missing', { a: { dtype: 'F32', data_offsets: [0, 16] } }, 16, 'tensor "a" has "shape" missing, which must be a list of whole numbers ≥ 0'],
  ['shape malformed', { a: f32('2x2', [0, 16]) }, 16, 'tensor "a" has "shape" "2x2", which must be a list of whole numbers ≥ 0'],
  ['shape negative', { a: f32([2, -2], [0, 16]) }, 16, 'tensor "a" has "shape" [2,-2], which must be a list of whole numbers ≥ 0'],
  ['negative offset', { a: f32([2], [-8, 0]) }, 16, 'tensor "a" has "data_offsets" [-8,0], which must be a pair [begin, end] of whole numbers ≥ 0'],
  ['offsets missing', { a: { dtype: 'F32', shape: [2] } }, 16, 'tensor "a" has "data_offsets" missing'],
  ['end before begin', { a: f32([0], [16, 8]) }, 16, 'tensor "a" has data offsets [16, 8] that end before they begin'],
  ['overlapping tensors', { a: f32([4], [0, 16]), b: f32([4], [8, 24]) }, 24, 'tensors "a" [0, 16] and "b" [8, 24] have overlapping data offsets'],
  ['dtype and size disagree', { a: { dtype: 'F16', shape: [4], data_offsets: [0, 16] } }, 16, 'tensor "a" has data offsets [0, 16] (16 bytes), but F16 of shape [4] takes 8 bytes'],
  ['unsupported dtype', { a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, 16, 'tensor "a" has unsupported dtype "F64"'],
  ['data past the end', { a: f32([4], [0, 16]) }, 8, 'tensor "a" has data offsets [0, 16] that run past the end of the file (its data section holds 8 bytes)'],
  ['header length beyond the file', { a: f32([4], [0, 16]) }, 16, 'its header length 1000000 does not fit in', 1_000_000],
  ['header not an object', [1, 2], 0, 'its header is [1,2], not an object of tensors'],
  ['metadata not strings', { __metadata__: { step: 3 } }, 0, 'its __metadata__ is {"step":3}, not an object of strings'],
];

describe('safetensors headers', () => {
  for (const [name, header, bytes, why, len] of BAD_HEADERS) {
    it(`${name}: one sentence naming the file and the tensor, from both readers`, () => {
      const file = rawSafetensors(name.replace(/\W+/g, '-'), header, bytes, len);
      const want = new RegExp(`^Error: ${re(`Checkpoint ${file} is not a valid safetensors file: ${why}`).source}.*; it is damaged or was not written as safetensors, so replace it`);
      assert.throws(() => loadSafetensors(file), want);
      assert.throws(() => readSafetensorsHeader(file), want); // the header-only check the sweep runs at plan time
    });
  }

  it('a well-formed raw file loads (the builder is not what fails)', () => {
    const file = rawSafetensors('good', { a: f32([2, 2], [0, 16]), e: f32([0], [16, 16]), b: { dtype: 'F16', shape: [4], data_offsets: [16, 24] } }, 24);
    const { tensors } = loadSafetensors(file);
    assert.deepEqual(Object.keys(tensors).sort(), ['a', 'b', 'e']);
    assert.deepEqual(tensors.a.shape, [2, 2]);
    assert.equal(readSafetensorsHeader(file).tensors.length, 3);
    tf.dispose(Object.values(tensors));
  });
});

describe('cached bases and exports', () => {
  /** A tiny but complete GPT-2 checkpoint folder, imported through the suite's path (converted into FTBENCH_CACHE). */
  async function gpt2Folder(dir: string, nLayer = 1): Promise<void> {
    const { json, vocab } = gpt2TokenizerJson();
    const [V, d, P] = [vocab.size, 8, 16];
    const w: Record<string, tf.Tensor> = { 'wte.weight': tf.randomNormal([V, d]), 'wpe.weight': tf.randomNormal([P, d]), 'ln_f.weight': tf.ones([d]), 'ln_f.bias': tf.zeros([d]) };
    for (let i = 0; i < nLayer; i++) {
      const h = `h.${i}.`;
      Object.assign(w, {
        [`${h}ln_1.weight`]: tf.ones([d]), [`${h}ln_1.bias`]: tf.zeros([d]), [`${h}ln_2.weight`]: tf.ones([d]), [`${h}ln_2.bias`]: tf.zeros([d]),
        [`${h}attn.c_attn.weight`]: tf.randomNormal([d, 3 * d]), [`${h}attn.c_attn.bias`]: tf.zeros([3 * d]),
        [`${h}attn.c_proj.weight`]: tf.randomNormal([d, d]), [`${h}attn.c_proj.bias`]: tf.zeros([d]),
        [`${h}mlp.c_fc.weight`]: tf.randomNormal([d, 4 * d]), [`${h}mlp.c_fc.bias`]: tf.zeros([4 * d]),
        [`${h}mlp.c_proj.weight`]: tf.randomNormal([4 * d, d]), [`${h}mlp.c_proj.bias`]: tf.zeros([d]),
      });
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', vocab_size: V, n_embd: d, n_layer: nLayer, n_head: 2, n_positions: P }));
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
    await saveSafetensors(path.join(dir, 'model.safetensors'), w);
    tf.dispose(Object.values(w));
  }

  async function withCache<T>(fn: () => Promise<T>): Promise<T> {
    const prev = process.env.FTBENCH_CACHE;
    process.env.FTBENCH_CACHE = path.join(root, 'cache');
    try {
      return await fn();
    } finally {
      if (prev === undefined) delete process.env.FTBENCH_CACHE;
      else process.env.FTBENCH_CACHE = prev;
    }
  }

  it('a damaged cached base description or checkpoint is refused at plan time, naming the file', async () => {
    const { baseFor } = await import('../harness/zoo/bases.js');
    const { importedPaths } = await import('../harness/model/import/index.js');
    const entry = { id: 'cached-gpt2', format: 'hf' as const, path: path.join(root, 'cached-gpt2') };
    await gpt2Folder(entry.path);
    await withCache(async () => {
      const base = await baseFor(entry); // converts once into the cache
      assert.equal(base.config.nLayers, 1);
      const f = importedPaths(entry);
      const info = fs.readFileSync(f.info, 'utf8');
      fs.writeFileSync(f.info, info.slice(0, info.length / 2));
      await assert.rejects(baseFor(entry), re(`Cached base description ${f.info} is not valid JSON (`));
      fs.writeFileSync(f.info, JSON.stringify({ ...JSON.parse(info), config: { ...JSON.parse(info).config, nLayers: 0 } }));
      await assert.rejects(baseFor(entry), re(`Cached base description ${f.info}: field "config.nLayers" is 0, but must be at least 1; delete it`));
      fs.writeFileSync(f.info, info);
      const weights = fs.readFileSync(f.weights);
      fs.writeFileSync(f.weights, weights.subarray(0, weights.length - 64));
      await assert.rejects(baseFor(entry), re(`Checkpoint ${f.weights} is not a valid safetensors file: tensor "`));
      fs.writeFileSync(f.weights, weights);
      assert.equal((await baseFor(entry)).config.nLayers, 1); // restored, it loads again
    });
  });

  it('a model with no layers stops the sweep before any trial, and nothing is stored', async () => {
    const { loadSuite } = await import('../harness/sweep/suite.js');
    const { runSweep } = await import('../harness/sweep/run.js');
    const { initBackend } = await import('../harness/backend/index.js');
    const { techniques } = await import('../techniques/index.js');
    const dir = path.join(root, 'no-layers');
    await gpt2Folder(path.join(dir, 'gpt2'), 0);
    fs.writeFileSync(path.join(dir, 'data.csv'), 'text,label\n' + Array.from({ length: 20 }, (_, i) => `text ${i},${i % 2}`).join('\n') + '\n');
    const file = path.join(dir, 'suite.yaml');
    fs.writeFileSync(file, `name: no-layers
models:
  - { id: flat-gpt2, format: hf, path: ./gpt2 }
datasets:
  - { id: toy, format: csv, path: data.csv, task: classification }
techniques: [lora]
budget: { steps: 2, batch_size: 4, lr: 1.0e-3, max_len: 16, eval_examples: 4 }
`);
    const db = path.join(dir, 'r.duckdb');
    await withCache(async () => {
      await assert.rejects(runSweep(loadSuite(file), { db, backend: await initBackend(), techniques }), re(`Checkpoint config ${path.join(dir, 'gpt2', 'config.json')}: field "n_layer" is 0, but must be at least 1`));
    });
    // The plan's memory check reads the config before the database is opened: nothing is stored, not even a file.
    assert.ok(!fs.existsSync(db), 'no database was created');
  });

  it('an export manifest that does not parse or points outside its folder names the file and the field', async () => {
    const db = path.join(root, 'x.duckdb');
    const s = await Store.open(db);
    await s.recordTrial(await s.beginRun(runMeta()), trial({ configHash: 'kept' }));
    const dir = path.join(root, 'export');
    await exportStore(s, dir, 'csv');
    const manifest = path.join(dir, 'ftbench-export.json');
    const good = fs.readFileSync(manifest, 'utf8');
    try {
      fs.writeFileSync(manifest, good.slice(0, 40));
      await assert.rejects(importInto(s, dir), re(`Export manifest ${manifest} is not valid JSON (`));
      const m = JSON.parse(good);
      fs.writeFileSync(manifest, JSON.stringify({ ...m, tables: m.tables.map((t: { name: string }) => (t.name === 'runs' ? { ...t, file: '../../x.duckdb' } : t)) }));
      await assert.rejects(importInto(s, dir), re(`Export manifest ${manifest}: field "tables.1.file" is not a file name in the export folder`));
      fs.writeFileSync(manifest, JSON.stringify({ ...m, format: 'xlsx' }));
      await assert.rejects(importInto(s, dir), re(`Export manifest ${manifest}: field "format" is "xlsx", but must be "parquet" or "arrow" or "csv"`));
      fs.writeFileSync(manifest, good);
      const r = await importInto(s, dir); // non-vacuity: the good manifest imports (its one trial is already here)
      assert.equal(r.trials.skipped.length, 1);
    } finally {
      await s.close();
    }
  });
});
