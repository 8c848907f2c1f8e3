// Tests for the byte-level BPE tokenizer: round trips, determinism, fixed special ids, byte fallback, the disk cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { loadCorpus } from '../datasets/corpus.js';
import { builtinTokenizer, builtinTokenizerPath } from '../harness/zoo/tokenizer.js';
import {
  tokenizerFromJSON, trainTokenizer,
  PAD, UNK, CLS, SEP, MASK, BOS, EOS, SPECIAL_TOKENS,
} from '../text/index.js';

const corpus = await loadCorpus();
// A slice keeps training well under a second while still holding real English.
const sample = corpus.train.slice(0, 40).map((d) => d.text.slice(0, 20_000));

const tricky = [
  'Fellow-Citizens of the Senate and House of Representatives:',
  '  leading spaces, trailing spaces  \n\n\tand tabs\r\n',
  "Don't we'll they're I'm — “curly quotes” and ‘apostrophes’.",
  'Numbers 1790, 2021 and 12345678901 and 3.14159.',
  'Unseen scripts: 漢字かな交じり文, Ελληνικά, русский, emoji 🐋🎉.',
  '',
];

test('special tokens have fixed ids', () => {
  assert.deepEqual([PAD, UNK, CLS, SEP, MASK], [0, 1, 2, 3, 4]);
  assert.equal(BOS, CLS);
  assert.equal(EOS, SEP);
  const tok = trainTokenizer(sample, { vocabSize: 400 });
  assert.deepEqual(SPECIAL_TOKENS.map((_, i) => tok.token(i)), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  assert.equal(tok.decode([CLS, SEP]), '[CLS][SEP]');
  assert.equal(tok.decode([CLS, ...tok.encode('hi'), SEP, PAD], { skipSpecial: true }), 'hi');
  // Text that looks like a special token is still text, so a document can't forge one.
  assert.ok(!tok.encode('[CLS] [MASK]').some((id) => id < 5));
});

test('decode(encode(x)) gives x back exactly, including unseen characters', () => {
  const tok = trainTokenizer(sample, { vocabSize: 1000 });
  for (const s of tricky) assert.equal(tok.decode(tok.encode(s)), s.normalize('NFC'));
  for (const d of corpus.heldOut.slice(0, 3)) assert.equal(tok.decode(tok.encode(d.text)), d.text.normalize('NFC'));
});

test('unseen characters fall back to byte tokens, never [UNK]', () => {
  const tok = trainTokenizer(sample, { vocabSize: 1000 });
  const ids = tok.encode('漢🐋');
  assert.equal(ids.length, 3 + 4, 'one token per UTF-8 byte');
  assert.ok(ids.every((id) => id >= 5 && id < 5 + 256));
});

test('lowercase option folds case and round-trips modulo case', () => {
  const tok = trainTokenizer(sample, { vocabSize: 600, lowercase: true });
  const s = 'The UNITED States of America';
  assert.equal(tok.decode(tok.encode(s)), s.toLowerCase());
  assert.deepEqual(tok.encode('THE'), tok.encode('the'));
});

test('training learns merges up to the vocabulary size', () => {
  const tok = trainTokenizer(sample, { vocabSize: 1000 });
  assert.equal(tok.vocabSize, 1000);
  assert.equal(tok.encode(' the').length, 1, 'the commonest word is one token');
  const ids = tok.encode(corpus.heldOut[0].text);
  assert.ok(ids.every((id) => id >= 5 && id < tok.vocabSize));
  assert.ok(ids.length < corpus.heldOut[0].text.length / 2.5, 'merges compress the text');
  assert.throws(() => trainTokenizer(sample, { vocabSize: 100 }), /at least 261/);
});

test('training is deterministic and independent of document order', () => {
  const a = trainTokenizer(sample, { vocabSize: 800 });
  const b = trainTokenizer([...sample].reverse(), { vocabSize: 800 });
  assert.deepEqual(a.toJSON(), b.toJSON());
  assert.equal(a.hash, b.hash);
  const c = trainTokenizer(sample.slice(1), { vocabSize: 800 });
  assert.notEqual(c.hash, a.hash, 'different data gives a different tokenizer');
});

test('toJSON / tokenizerFromJSON round trip, and bad JSON is refused clearly', () => {
  const a = trainTokenizer(sample, { vocabSize: 700 });
  const b = tokenizerFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
  assert.equal(b.hash, a.hash);
  assert.equal(b.vocabSize, a.vocabSize);
  for (const s of tricky) assert.deepEqual(b.encode(s), a.encode(s));
  assert.throws(() => tokenizerFromJSON({ type: 'other' }), /Not an ftbench tokenizer/);
  const bad = { ...(a.toJSON() as { merges: number[] }) };
  bad.merges = [...bad.merges, 999_999, 5];
  assert.throws(() => tokenizerFromJSON(bad), /does not exist yet/);
});

test('builtinTokenizer is trained once, cached on disk, and reloads to the same hash', async () => {
  const tok = await builtinTokenizer(512);
  assert.equal(tok.vocabSize, 512);
  assert.equal(await builtinTokenizer(512), tok, 'same object within a process');
  const file = await builtinTokenizerPath(512);
  assert.ok(fs.existsSync(file));
  const fromDisk = tokenizerFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
  assert.equal(fromDisk.hash, tok.hash);
  assert.notEqual(await builtinTokenizerPath(1024), file, 'the cache key includes the vocabulary size');
  assert.notEqual(await builtinTokenizerPath(512, true), file, 'and the lowercase option');
});

test('encoding a whole document is fast (memoised words)', () => {
  const tok = trainTokenizer(sample, { vocabSize: 1000 });
  const text = corpus.heldOut.map((d) => d.text).join('\n');
  const t0 = performance.now();
  const n = tok.encode(text).length;
  const ms = performance.now() - t0;
  assert.ok(n > 0);
  // ~500k characters; measured ~0.2 s here. The bound is loose so only a real regression (no memo) trips it.
  assert.ok(ms < 5000, `encoding ${text.length} chars took ${ms.toFixed(0)} ms`);
});
