// Hugging Face tokenizer.json loading: byte-level BPE (GPT-2), WordPiece (BERT) and SentencePiece BPE (LLaMA) give the
// tokens those algorithms give by hand, in ftbench's id space (specials at 0-4) with a consistent permutation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hfTokenizerFromJSON, loadHfTokenizer } from '../text/hf.js';
import { CLS, MASK, PAD, SEP, UNK } from '../text/special.js';
import { bertTokenizerJson, gpt2TokenizerJson, llamaTokenizerJson } from './hf-fixtures.js';

const hfIds = (tok: ReturnType<typeof hfTokenizerFromJSON>, text: string) => tok.encode(text).map((id) => tok.toHf[id]);

test('GPT-2 byte-level BPE: merges by rank, Ġ for spaces, bytes for the rest; <|endoftext|> plays every special role', () => {
  const { json, vocab } = gpt2TokenizerJson();
  const tok = hfTokenizerFromJSON(json);
  const V = vocab.size;
  // Merges apply lowest rank first: H e, l l, He ll, Hell o make "Hello" one token; Ġ w, o r, Ġw or, l d, Ġwor ld "Ġworld".
  assert.deepEqual(hfIds(tok, 'Hello world the'), [vocab.get('Hello'), vocab.get('Ġworld'), vocab.get('Ġthe')]);
  // A character outside the merges falls back to its UTF-8 bytes in the byte alphabet: é = C3 A9 → Ã ©.
  assert.deepEqual(hfIds(tok, 'é'), [vocab.get('Ã'), vocab.get('©')]);
  assert.equal(tok.decode(tok.encode('Hello world, é!')), 'Hello world, é!');
  assert.deepEqual(Object.values(tok.specials), Array(5).fill('<|endoftext|>'));
  assert.equal(tok.vocabSize, V + 4, 'one checkpoint token in five roles: four extra rows');
  for (const id of [PAD, UNK, CLS, SEP, MASK]) assert.equal(tok.toHf[id], vocab.get('<|endoftext|>'));
  assert.equal(tok.toOurs[vocab.get('<|endoftext|>')!], PAD);
  // The permutation is a bijection on the checkpoint's ids.
  const seen = new Set(Array.from(tok.toHf.slice(5)));
  assert.equal(seen.size, V - 1);
  for (let h = 0; h < V; h++) assert.equal(tok.toHf[tok.toOurs[h]], h);
  assert.ok(tok.encode('Hello world').every((id) => id >= 5 && id < tok.vocabSize));
});

test('BERT WordPiece: lower-cased, punctuation split, ## continuations, [UNK]; specials moved to 0-4', () => {
  const { json, vocab } = bertTokenizerJson();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-hftok-'));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const tok = loadHfTokenizer(dir);
  assert.deepEqual(
    tok.encode('Hello, UNAFFABLE world! Zebra').map((id) => tok.token(id)),
    ['hello', ',', 'un', '##aff', '##able', 'world', '!', '[UNK]'],
  );
  assert.deepEqual(tok.specials, { '[PAD]': '[PAD]', '[UNK]': '[UNK]', '[CLS]': '[CLS]', '[SEP]': '[SEP]', '[MASK]': '[MASK]' });
  assert.equal(tok.vocabSize, vocab.size, 'distinct specials: a pure permutation');
  assert.deepEqual(Array.from(tok.toHf.slice(0, 5)), [0, 5, 6, 7, 8]);
  assert.equal(tok.token(CLS), '[CLS]');
  assert.equal(tok.encode('the')[0], tok.toOurs[vocab.get('the')!]);
  assert.equal(tok.decode([CLS, ...tok.encode('hello world'), SEP], { skipSpecial: true }), 'hello world');
  // config.json may give more rows than the tokenizer has (padded vocabularies): they are kept, in order.
  const padded = loadHfTokenizer(dir, vocab.size + 3);
  assert.equal(padded.vocabSize, vocab.size + 3);
  assert.deepEqual(Array.from(padded.toHf.slice(-3)), [vocab.size, vocab.size + 1, vocab.size + 2]);
  fs.rmSync(dir, { recursive: true });
});

test('LLaMA SentencePiece BPE: ▁ prefix, byte fallback; <s>/</s> as CLS/SEP, pad and mask borrow', () => {
  const { json, vocab } = llamaTokenizerJson();
  const tok = hfTokenizerFromJSON(json, { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' });
  assert.deepEqual(hfIds(tok, 'hello world'), [vocab.get('▁hello'), vocab.get('▁world')]);
  assert.deepEqual(hfIds(tok, 'hello!'), [vocab.get('▁hello'), vocab.get('<0x21>')]);
  assert.deepEqual(tok.specials, { '[PAD]': '</s>', '[UNK]': '<unk>', '[CLS]': '<s>', '[SEP]': '</s>', '[MASK]': '<unk>' });
  assert.equal(tok.vocabSize, vocab.size + 2);
  assert.equal(tok.decode(tok.encode('hello world!')), 'hello world!');
});

test('a tokenizer.json that is not one says so in one sentence', () => {
  assert.throws(() => hfTokenizerFromJSON({ model: { type: 'Nope' } }), /cannot be loaded as a Hugging Face tokenizer/);
  assert.throws(() => loadHfTokenizer(os.tmpdir() + '/definitely-not-here'), /tokenizer\.json does not exist/);
});
