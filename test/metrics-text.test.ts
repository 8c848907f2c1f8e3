// Tests of the text metrics: corpus BLEU-4 and ROUGE-L against hand-computed values, and their declared direction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusBleu, metric, rougeL, scoreText, textTokens } from '../harness/eval/metrics.js';

const pred = ['the cat is on the mat', 'a dog runs in the park'];
const ref = ['the cat sat on the mat', 'a dog runs in a big park'];

test('BLEU-4: clipped precisions 10/12, 6/10, 3/8, 1/6 over the corpus, brevity penalty exp(1 - 13/12)', () => {
  // Product of the precisions is 1/32, so BLEU = 2^(-5/4) · e^(-1/12) ≈ 0.3868.
  const expected = 2 ** (-5 / 4) * Math.exp(-1 / 12);
  assert.ok(Math.abs(corpusBleu(pred, ref) - expected) < 1e-12, `${corpusBleu(pred, ref)} vs ${expected}`);
  // Clipping: "the the the" matches "the" in the reference once, not three times.
  assert.equal(corpusBleu(['the the the the'], ['the cat'], 1), 1 / 4);
  assert.equal(corpusBleu(pred, pred), 1);
  assert.equal(corpusBleu(['the cat is on the mat'], ['the cat sat on the mat']), 0, 'no matching 4-gram, no smoothing');
});

test('ROUGE-L: LCS F1 per item, averaged', () => {
  // LCS 5 of 6|6 → 5/6; LCS 5 of 6|7 → F1 10/13.
  assert.ok(Math.abs(rougeL(pred, ref) - (5 / 6 + 10 / 13) / 2) < 1e-12);
  assert.equal(rougeL(['x y'], ['a b']), 0);
  assert.equal(rougeL(['A dog, running.'], ['a dog , running .']), 1, 'case and punctuation spacing do not matter');
});

test('text metrics declare their direction and refuse numbers; scoreText refuses numeric metrics', () => {
  assert.deepEqual(textTokens("It's 3 o'clock."), ['it', "'", 's', '3', 'o', "'", 'clock', '.']);
  for (const id of ['bleu', 'rouge-l']) {
    assert.equal(metric(id).higherIsBetter, true);
    assert.throws(() => metric(id).compute([1], [1]), /scores generated text/);
  }
  assert.deepEqual(Object.keys(scoreText(['bleu', 'rouge-l'], pred, ref)), ['bleu', 'rouge-l']);
  assert.throws(() => scoreText(['accuracy'], pred, ref), /scores numbers/);
});
