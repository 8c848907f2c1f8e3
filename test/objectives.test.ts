// Tests of the decoder objectives: multiple choice scored by per-token likelihood of the choice, generation by greedy decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Model } from '../harness/model/model.js';
import { makeBatch, disposeBatch } from '../harness/train/batch.js';
import { kindUnsupported, objectiveFor, type Encoder } from '../harness/train/objectives/index.js';
import { predictTextAll } from '../harness/eval/evaluate.js';
import { continuationLogp } from '../harness/train/objectives/choice-scores.js';
import type { Dataset, Example } from '../datasets/types.js';
import { tinyConfig, useBackend } from './helpers/tiny.js';

/** Characters a–z as ids 5–30 (a = 5): a tokenizer that needs no training and decodes exactly. */
const chars: Encoder = {
  encode: (s) => [...s].filter((c) => c >= 'a' && c <= 'z').map((c) => c.charCodeAt(0) - 92),
  decode: (ids, o) => ids.filter((i) => !o?.skipSpecial || i >= 5).map((i) => String.fromCharCode(i + 92)).join(''),
};

function dataset(kind: Dataset['kind'], train: Example[]): Dataset {
  return { id: `toy-${kind}`, name: 'toy', kind, metrics: ['accuracy'], card: {} as Dataset['card'], contentHash: '', splits: { train, dev: train, test: train } };
}

function decoder(): Model {
  return new Model({ ...tinyConfig('decoder'), maxLen: 64 }, 7);
}

async function fit(m: Model, loss: () => tf.Scalar, steps: number, lr = 0.01): Promise<void> {
  const opt = tf.train.adam(lr);
  const vars = [...m.params.values()];
  m.training = true;
  for (let i = 0; i < steps; i++) opt.minimize(loss, false, vars);
  m.training = false;
  opt.dispose();
}

test('multiple choice: packs the choices, scores each by its mean token log-likelihood after the question', async () => {
  await useBackend();
  const ex: Example = { text: 'ab', label: 1, choices: ['cd', 'efg', 'h'] };
  const obj = objectiveFor(dataset('multiple-choice', [ex]), chars, 30); // 3 slots of 10
  const enc = obj.encode(ex);
  assert.deepEqual(enc.ids, [2, 5, 6, 3, 7, 8, 0, 0, 0, 0, 2, 5, 6, 3, 9, 10, 11, 0, 0, 0, 2, 5, 6, 3, 12, 0, 0, 0, 0, 0]);
  assert.equal(obj.nOutputs, 0);
  const m = decoder();
  // Independent reference: each choice as its own unpadded row, log-softmax of the next token read off one by one.
  const expected = ex.choices!.map((c) => {
    const ids = [2, ...chars.encode(ex.text), 3, ...chars.encode(c)];
    const logp = tf.tidy(() => {
      const h = m.hidden(tf.tensor2d([ids], [1, ids.length], 'int32'), tf.ones([1, ids.length]) as tf.Tensor2D);
      return tf.logSoftmax(m.lmLogits(tf.reshape(h, [ids.length, -1]) as tf.Tensor2D)).arraySync() as number[][];
    });
    const first = ids.length - c.length; // position of the first choice token
    let s = 0;
    for (let t = first; t < ids.length; t++) s += logp[t - 1][ids[t]];
    return s / c.length;
  });
  const b = makeBatch([enc], 30, obj.labelDtype);
  const ce = (await obj.loss(m, b).data())[0];
  const lse = Math.log(expected.reduce((a, x) => a + Math.exp(x), 0));
  assert.ok(Math.abs(ce - (lse - expected[1])) < 1e-4, `loss ${ce} vs ${lse - expected[1]}`);
  const best = expected.indexOf(Math.max(...expected));
  assert.deepEqual(await obj.predict(m, b), [best]);
  disposeBatch(b);
  m.dispose();
});

test('multiple choice: training on the choice scores teaches the right answer', async () => {
  await useBackend();
  // The right choice repeats the question's letters; distractors do not.
  const exs: Example[] = ['abc', 'def', 'ghi', 'jkl', 'mno', 'pqr'].map((q, i) => {
    const choices = ['xyz', 'uvw', 'stu'];
    choices.splice(i % 3, 0, q);
    return { text: q, label: i % 3, choices };
  });
  const obj = objectiveFor(dataset('multiple-choice', exs), chars, 40);
  const m = decoder();
  const b = makeBatch(exs.map(obj.encode), 40, obj.labelDtype);
  const before = (await obj.loss(m, b).data())[0];
  await fit(m, () => obj.loss(m, b), 40);
  const after = (await obj.loss(m, b).data())[0];
  assert.ok(after < before / 4, `loss ${before} → ${after}`);
  assert.deepEqual(await obj.predict(m, b), exs.map((e) => e.label));
  disposeBatch(b);
  m.dispose();
});

test('generation: BOS prompt SEP target EOS, loss on the target only, greedy decoding reproduces learnt targets', async () => {
  await useBackend();
  const exs: Example[] = [
    { text: 'ab', target: 'xyz', label: 0 },
    { text: 'cd', target: 'uvwu', label: 0 },
    { text: 'ef', target: 'st', label: 0 },
  ];
  const obj = objectiveFor({ ...dataset('generation', exs), metrics: ['bleu'] }, chars, 32);
  assert.deepEqual(obj.encode(exs[0]).ids, [2, 5, 6, 3, 28, 29, 30, 3]);
  const m = decoder();
  const { scored } = tf.tidy(() => continuationLogp(m, tf.tensor2d([obj.encode(exs[0]).ids], [1, 8], 'int32')));
  assert.deepEqual(await scored.array(), [[0, 0, 0, 1, 1, 1, 1]], 'the next tokens scored are the target and EOS, not the prompt');
  scored.dispose();
  const rows = exs.map(obj.encode);
  const b = makeBatch(rows, 32, obj.labelDtype);
  const l0 = (await obj.loss(m, b).data())[0];
  await fit(m, () => obj.loss(m, b), 80);
  assert.ok((await obj.loss(m, b).data())[0] < l0 / 10);
  assert.deepEqual(await predictTextAll(m, obj, rows, 32), ['xyz', 'uvwu', 'st']);
  disposeBatch(b);
  m.dispose();
});

test('only decoders run multiple choice and generation; the reason is one sentence', () => {
  assert.equal(kindUnsupported('generation', 'decoder'), null);
  assert.equal(kindUnsupported('classification', 'encoder'), null);
  assert.match(kindUnsupported('multiple-choice', 'encoder') ?? '', /^A multiple-choice task needs a decoder/);
  assert.match(kindUnsupported('generation', 'encoder') ?? '', /needs a decoder/);
});

test('generation with answer choices (MMLU): the answer is the likeliest choice after the prompt, and long prompts keep their end', async () => {
  await useBackend();
  const m = decoder();
  // Independent reference: the summed log-probability of a choice's tokens after BOS prompt SEP, read off token by token.
  const logpOf = (prompt: string, c: string) => {
    const ids = [2, ...chars.encode(prompt), 3, ...chars.encode(c)];
    const logp = tf.tidy(() => {
      const h = m.hidden(tf.tensor2d([ids], [1, ids.length], 'int32'), tf.ones([1, ids.length]) as tf.Tensor2D);
      return tf.logSoftmax(m.lmLogits(tf.reshape(h, [ids.length, -1]) as tf.Tensor2D)).arraySync() as number[][];
    });
    let s = 0;
    for (let t = ids.length - c.length; t < ids.length; t++) s += logp[t - 1][ids[t]];
    return s;
  };
  const prompts = ['abc', 'de', 'fghij', 'k', 'lmnop', 'qr'];
  for (const choices of [['a', 'b', 'c', 'd'], ['xy', 'z', 'uvw']]) { // one pass at SEP; teacher forcing over each choice
    const exs: Example[] = prompts.map((text) => ({ text, target: choices[0], label: 0, choices }));
    const obj = objectiveFor({ ...dataset('generation', exs), metrics: ['exact-match'], answerChoices: choices }, chars, 32);
    const expected = prompts.map((p) => {
      const s = choices.map((c) => logpOf(p, c));
      return choices[s.indexOf(Math.max(...s))];
    });
    assert.deepEqual(await predictTextAll(m, obj, exs.map(obj.encode), 32), expected, `choices ${choices.join('/')}`);
  }
  // A prompt longer than the row keeps its end (the question after the shots) and room for the longest choice.
  const obj = objectiveFor({ ...dataset('generation', []), metrics: ['exact-match'], answerChoices: ['xy', 'z'] }, chars, 10);
  // Room for the prompt: 10 - BOS - SEP - 2 (the longest choice) = 6 tokens, the last six letters g…l (ids 11–16).
  assert.deepEqual(obj.encode({ text: 'abcdefghijkl', target: 'z', label: 1, choices: ['xy', 'z'] }).ids, [2, 11, 12, 13, 14, 15, 16, 3, 30]);
  m.dispose();
});
