// Real sizes without stack limits: 300k rows (GLUE QQP's train size) through label learning and split carving, and a
// 130k-token tokenizer (Llama 3's vocabulary is 128k); Math.max(...xs) overflowed the stack above ~125k items.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assembleSplits, classNames, type RawSplit } from '../datasets/files/rows.js';
import { hfTokenizerFromJSON } from '../text/hf.js';

const N = 300_000;

describe('real sizes', () => {
  it('learns the classes of 300k integer labels and carves dev and test from 300k rows', () => {
    const train: RawSplit = { file: 'qqp/train.tsv', columns: ['question1', 'question2', 'is_duplicate'], headerLine: 1,
      rows: Array.from({ length: N }, (_, i) => ({ line: i + 2, values: { question1: `q${i}`, question2: `p${i}`, is_duplicate: String(i % 2) } })) };
    assert.deepEqual(classNames(train, { text: 'question1', text2: 'question2', label: 'is_duplicate' }), ['0', '1']);
    const examples = train.rows.map((r) => ({ text: r.values.question1 as string, text2: r.values.question2 as string, label: Number(r.values.is_duplicate) }));
    const { splits } = assembleSplits(examples, null, null, 0.05);
    assert.equal(splits.train.length + splits.dev.length + splits.test.length, N);
    assert.ok(splits.dev.length > N * 0.03 && splits.test.length > N * 0.03, `${splits.dev.length} dev, ${splits.test.length} test`);
  });

  it('loads a 130k-token tokenizer', () => {
    const V = 130_000;
    const vocab: Record<string, number> = { '[UNK]': 0 };
    for (let i = 1; i < V; i++) vocab[`t${i}`] = i;
    const json = {
      version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
      pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
      model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
    };
    const tok = hfTokenizerFromJSON(json as never);
    assert.ok(tok.vocabSize >= V, `vocabulary ${tok.vocabSize}`);
  });
});
