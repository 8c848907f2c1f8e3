// Model tests: named parameters and pattern lookup, causal masking, padding invariance, hooks, safetensors.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { globToRegExp } from '../harness/model/module.js';
import { MODEL_PRESETS } from '../harness/model/config.js';
import { Model } from '../harness/model/model.js';
import { loadSafetensors, saveSafetensors } from '../harness/model/safetensors.js';
import { maxAbsDiff, outputs, tinyBatch, tinyModel, useBackend } from './helpers/tiny.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-model-'));

describe('model', () => {
  before(useBackend);

  it('refuses to wrap a hook point the model does not have, naming points like it', () => {
    for (const family of ['encoder', 'decoder', 'gpt2'] as const) {
      const m = tinyModel(family);
      // A misspelt point used to be wrapped and then never fire; now it is one sentence at wrap time.
      assert.throws(() => m.hooks.wrap('layers.0.atn.q', (x, next) => next(x)), /^Error: Unknown hook point "layers\.0\.atn\.q": this model has no such point \(points like it: .*layers\.N\.attn\.q/);
      assert.throws(() => m.hooks.wrap('layers.9.ffn', (x, next) => next(x)), /Unknown hook point "layers\.9\.ffn"/); // past the last layer
      for (const point of ['embed', 'embed.tok', 'layers.1.attn', 'layers.1.attn.qkv', 'layers.1.ffn', 'layers.1.ffn.act', 'layers.1.attn.q']) m.hooks.wrap(point, (x, next) => next(x))();
      m.dispose();
    }
  });

  it('names every parameter with a dotted path and finds modules by pattern', () => {
    const m = tinyModel('encoder');
    assert.ok(m.params.has('layers.1.attn.q.weight'));
    assert.ok(m.params.has('embed.pos.weight'));
    assert.deepEqual(m.find('layers.*.attn.{q,v}').map((l) => l.name), ['layers.0.attn.q', 'layers.0.attn.v', 'layers.1.attn.q', 'layers.1.attn.v']);
    assert.deepEqual(m.named('layers.0.ffn.**').map(([n]) => n), ['layers.0.ffn.up.weight', 'layers.0.ffn.up.bias', 'layers.0.ffn.down.weight', 'layers.0.ffn.down.bias']);
    assert.equal(m.numParams(), [...m.params.values()].reduce((n, v) => n + v.size, 0));
    const d = tinyModel('decoder');
    assert.ok(d.params.has('layers.0.ffn.gate.weight') && !d.params.has('layers.0.attn.q.bias'));
    assert.ok(globToRegExp('layers.*.attn.q').test('layers.12.attn.q') && !globToRegExp('layers.*.attn.q').test('layers.1.2.attn.q'));
  });

  it('built-in sizes: *-tiny under 1.5M parameters (CI), *-small about 10M (the default suites)', () => {
    for (const p of MODEL_PRESETS) {
      const m = new Model({ ...p.config, vocabSize: p.tokenizerVocab }, 0);
      const n = m.numParams();
      m.dispose();
      if (p.id.endsWith('-tiny')) assert.ok(n < 1.5e6, `${p.id}: ${n}`);
      else assert.ok(n > 8e6 && n < 14e6, `${p.id}: ${n}`);
    }
  });

  it('decoder: a token never sees the future', () => {
    const m = tinyModel('decoder');
    const ids = tf.tensor2d([[2, 9, 10, 11, 12, 13]], [1, 6], 'int32');
    const ids2 = tf.tensor2d([[2, 9, 10, 40, 41, 42]], [1, 6], 'int32');
    const mask = tf.ones([1, 6]) as tf.Tensor2D;
    const a = m.hidden(ids, mask).arraySync()[0];
    const b = m.hidden(ids2, mask).arraySync()[0];
    assert.ok(maxAbsDiff(a.slice(0, 3).flat(), b.slice(0, 3).flat()) < 1e-6, 'prefix changed with the future');
    assert.ok(maxAbsDiff(a.slice(3).flat(), b.slice(3).flat()) > 1e-4, 'later positions ignore their tokens');
  });

  it('encoder: padding does not change real tokens', () => {
    const m = tinyModel('encoder');
    const short = m.hidden(tf.tensor2d([[2, 9, 10, 3]], [1, 4], 'int32'), tf.ones([1, 4]) as tf.Tensor2D).arraySync()[0];
    const padded = m.hidden(tf.tensor2d([[2, 9, 10, 3, 0, 0]], [1, 6], 'int32'), tf.tensor2d([[1, 1, 1, 1, 0, 0]])).arraySync()[0];
    assert.ok(maxAbsDiff(short.flat(), padded.slice(0, 4).flat()) < 1e-5);
  });

  it('hooks wrap a point, disable to the base, and unwrap', () => {
    const m = tinyModel('encoder');
    const b = tinyBatch(4);
    const base = outputs(m, b);
    const remove = m.hooks.wrap('layers.0.attn.v', (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => tf.mul(next(x), 2));
    assert.ok(maxAbsDiff(outputs(m, b), base) > 1e-4);
    m.hooks.enabled = false;
    assert.equal(maxAbsDiff(outputs(m, b), base), 0);
    m.hooks.enabled = true;
    remove();
    assert.equal(maxAbsDiff(outputs(m, b), base), 0);
  });

  it('saves and loads safetensors exactly, and names what is wrong with a corrupt file', async () => {
    const m = tinyModel('decoder');
    const file = path.join(tmp, 'm.safetensors');
    const bytes = await saveSafetensors(file, m.state(), { note: 'test' });
    assert.equal(fs.statSync(file).size, bytes);
    const { tensors, metadata } = loadSafetensors(file);
    assert.equal(metadata.note, 'test');
    const m2 = tinyModel('decoder', 3);
    for (const v of m2.params.values()) v.assign(tf.zerosLike(v));
    m2.load(tensors, { strict: true });
    const b = tinyBatch(4);
    assert.equal(maxAbsDiff(outputs(m2, b), outputs(m, b)), 0);

    const buf = fs.readFileSync(file);
    fs.writeFileSync(path.join(tmp, 'trunc.safetensors'), buf.subarray(0, buf.length - 100));
    assert.throws(() => loadSafetensors(path.join(tmp, 'trunc.safetensors')), /trunc\.safetensors is not a valid safetensors file: tensor ".*" has data offsets/);
    fs.writeFileSync(path.join(tmp, 'junk.safetensors'), 'hello');
    assert.throws(() => loadSafetensors(path.join(tmp, 'junk.safetensors')), /junk\.safetensors is not a valid safetensors file/);
    const wrong = { ...tensors, 'layers.0.attn.q.weight': tf.zeros([3, 3]) };
    assert.throws(() => m2.load(wrong, { source: 'checkpoint x' }), /checkpoint x's tensor "layers.0.attn.q.weight" has shape \[3,3\]/);
  });
});
