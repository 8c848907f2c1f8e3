// The E2E NLG metrics checked against hand computations from each metric's published definition on a small
// fixture built for it (two outputs, one with two references), and LLM-Adapters' answer extraction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2eBleu, e2eCider, e2eMeteor, e2eNist, e2eRougeL } from '../harness/eval/nlg/index.js';
import { cocoTokens, mtevalTokens } from '../harness/eval/nlg/tokenize.js';
import { meteorScore, meteorStats } from '../harness/eval/nlg/meteor.js';
import { stem } from '../harness/eval/nlg/stem.js';
import { choiceExactMatch, extractAnswer } from '../harness/eval/choice-answer.js';
import { metric, scoreText } from '../harness/eval/metrics.js';

// Output 1 has two references, output 2 one (identical to it).
const outputs = ['The Eagle is a pub.', 'Cotto serves Italian food.'];
const refs = [['The Eagle is a cheap pub.', 'The Eagle pub is cheap.'], ['Cotto serves Italian food.']];
const close = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) < 1e-9, `${what}: got ${got}, hand computation ${want}`);

test('tokenizations: mteval splits punctuation (not inside numbers), COCO drops it (brackets too) and splits clitics', () => {
  assert.deepEqual(mtevalTokens('The Eagle is a pub.'), ['the', 'eagle', 'is', 'a', 'pub', '.']);
  assert.deepEqual(mtevalTokens('Prices £20-25, rated 3.5'), ['prices', '£20', '-', '25', ',', 'rated', '3.5']);
  assert.deepEqual(cocoTokens("The Eagle isn't a pub, (it's cheap)."), ['the', 'eagle', 'is', "n't", 'a', 'pub', 'it', "'s", 'cheap']);
});

test('BLEU-4 by hand: clipped n-gram hits over both outputs, closest reference length, geometric mean', () => {
  // mteval tokens: o1 = the eagle is a pub . (6); r1a = the eagle is a cheap pub . (7); r1b = the eagle pub is cheap . (6);
  // o2 = r2 = cotto serves italian food . (5).
  // o1 hits: 1-grams 6/6; 2-grams the-eagle, eagle-is, is-a, pub-. = 4/5 (a-pub is in no reference);
  //          3-grams the-eagle-is, eagle-is-a = 2/4; 4-grams the-eagle-is-a = 1/3. Closest reference: r1b (6).
  // o2 hits: 5/5, 4/4, 3/3, 2/2; reference length 5.
  // Totals: hits 11, 8, 5, 3 over 11, 9, 7, 5 positions; c = 11 ≤ r = 11 → BP = exp(1 - 11/11) = 1.
  const want = Math.exp((Math.log(11 / 11) + Math.log(8 / 9) + Math.log(5 / 7) + Math.log(3 / 5)) / 4);
  close(e2eBleu(outputs, refs), want, 'BLEU');
  // A perfect corpus scores 1; an output with no matching 4-gram scores ~0 (pymteval floors hits at 1e-15).
  close(e2eBleu(['a b c d e'], [['a b c d e']]), 1, 'BLEU of a copy');
  assert.ok(e2eBleu(['a b c'], [['a b d e']]) < 1e-3);
});

test('NIST-5 by hand: information weights from all references, arithmetic mean over n, length penalty', () => {
  // Reference counts over the corpus (r1a, r1b, r2): 18 words; the 2, eagle 2, is 2, pub 2, cheap 2, . 3, a 1,
  // cotto/serves/italian/food 1; bigram "the eagle" 2, every other bigram 1.
  // n=1: info(w) = log2(18 / count(w)). o1 matches the, eagle, is, pub (log2 9 each), a (log2 18), . (log2 6);
  //      o2 matches cotto, serves, italian, food (log2 18 each), . (log2 6). Over 6 + 5 = 11 output words.
  const n1 = (4 * Math.log2(9) + 5 * Math.log2(18) + 2 * Math.log2(6)) / 11;
  // n=2: info(w1 w2) = log2(count(w1) / count(w1 w2)). o1: the-eagle log2(2/2) = 0, eagle-is log2(2/1) = 1,
  //      is-a 1, pub-. 1; o2's bigrams each log2(1/1) = 0. Over 5 + 4 = 9 output bigrams.
  const n2 = 3 / 9;
  // n=3: o1: the-eagle-is log2(count(the eagle) = 2 / 1) = 1, eagle-is-a log2(1/1) = 0; o2's 0. Over 4 + 3 = 7.
  const n3 = 1 / 7;
  // n=4, 5: every matched n-gram's prefix occurs once, so info 0.
  // Length penalty: L_out = 11, L_ref = (7 + 6)/2 + 5 = 11.5; β = -ln 0.5 / ln² 1.5; BP = exp(-β ln²(11/11.5)).
  const beta = -Math.log(0.5) / Math.log(1.5) ** 2;
  const bp = Math.exp(-beta * Math.log(11 / 11.5) ** 2);
  close(e2eNist(outputs, refs), bp * (n1 + n2 + n3), 'NIST');
  // Empty outputs have no n-grams past unigrams: those terms are 0 (pymteval would divide by zero), the score finite.
  assert.ok(Number.isFinite(e2eNist(['', ''], refs)));
});

test('ROUGE-L by hand: best precision and best recall over references, F with β = 1.2, mean over outputs', () => {
  // COCO tokens drop the period: o1 = the eagle is a pub (5). LCS with r1a (the eagle is a cheap pub, 6) = 5 →
  // P 5/5, R 5/6; with r1b (the eagle pub is cheap, 5) = 3 → P 3/5, R 3/5. P_max = 1, R_max = 5/6.
  const f1 = ((1 + 1.44) * 1 * (5 / 6)) / (5 / 6 + 1.44 * 1);
  // o2 equals its reference: F = 1.
  close(e2eRougeL(outputs, refs), (f1 + 1) / 2, 'ROUGE-L');
});

test('CIDEr by hand: TF-IDF cosine with clipping, Gaussian length penalty on bigram counts, ×10', () => {
  // Two outputs, so idf = ln 2 - ln df; no n-gram is in both outputs' reference sets, so every weight is tf · ln 2
  // and the ln 2 factors cancel in each cosine.
  // o2 = its only reference: cosine 1 for n = 1..4, δ = 0 → (4/4)/1 · 10 = 10.
  // o1 (the eagle is a pub) against r1a (the eagle is a cheap pub):
  //   n=1: 5 shared of 5 and 6 words → 5/(√5·√6); n=2: 3 shared of 4 and 5 → 3/(√4·√5);
  //   n=3: 2 of 3 and 4 → 2/(√3·√4); n=4: 1 of 2 and 3 → 1/(√2·√3); "lengths" (bigram counts) 4 and 5 → δ = -1.
  const simA = (5 / Math.sqrt(30) + 3 / Math.sqrt(20) + 2 / Math.sqrt(12) + 1 / Math.sqrt(6)) * Math.exp(-1 / 72);
  //   against r1b (the eagle pub is cheap): n=1: 4 shared of 5 and 5 → 4/5; n=2: the-eagle only → 1/(2·2);
  //   n=3, 4: none; both have 4 bigrams → δ = 0.
  const simB = 4 / 5 + 1 / 4;
  const o1 = ((simA + simB) / 4 / 2) * 10;
  close(e2eCider(outputs, refs), (o1 + 10) / 2, 'CIDEr');
});

test('METEOR by hand, exact stage: alignment, content/function weighting, fragmentation penalty, corpus sums (no stem matches in this fixture)', () => {
  const P = { alpha: 0.85, beta: 0.2, gamma: 0.6, delta: 0.75 };
  // o1 = the eagle is a pub: content eagle, pub; function the, is, a.
  // vs r1a (the eagle is a cheap pub; content eagle, cheap, pub; function the, is, a): all 5 words match in 2 chunks
  //   ([the eagle is a], [pub]). P = (.75·2 + .25·3)/(.75·2 + .25·3) = 1, R = 2.25/(.75·3 + .25·3) = .75.
  const fA = (1 * 0.75) / (P.alpha * 1 + (1 - P.alpha) * 0.75);
  const sA = (1 - P.gamma * (2 / 5) ** P.beta) * fA;
  // vs r1b (the eagle pub is cheap): the, eagle, is, pub match in 3 chunks; P = 2/2.25, R = 2/2.75. r1a scores higher.
  const [pB, rB] = [2 / 2.25, 2 / 2.75];
  const sB = (1 - P.gamma * (3 / 4) ** P.beta) * ((pB * rB) / (P.alpha * pB + (1 - P.alpha) * rB));
  assert.ok(sA > sB);
  close(meteorScore(meteorStats(cocoTokens(outputs[0]), cocoTokens(refs[0][0]))), sA, 'METEOR o1 vs r1a');
  close(meteorScore(meteorStats(cocoTokens(outputs[0]), cocoTokens(refs[0][1]))), sB, 'METEOR o1 vs r1b');
  // Corpus: o1's stats with r1a plus o2's (4 content words, all matched, 1 chunk), summed before scoring:
  //   matched content 2 + 4, function 3; output content 6, function 3; reference content 3 + 4, function 3;
  //   chunks 2 + 1 of 9 matches. P = (.75·6 + .25·3)/(.75·6 + .25·3) = 1, R = 5.25/(.75·7 + .25·3) = .875.
  const f = 0.875 / (P.alpha + (1 - P.alpha) * 0.875);
  close(e2eMeteor(outputs, refs), (1 - P.gamma * (3 / 9) ** P.beta) * f, 'METEOR corpus');
});

test('METEOR by hand, stem stage: Snowball stems match words left over by the exact stage, weighted 0.6', () => {
  const P = { alpha: 0.85, beta: 0.2, gamma: 0.6, delta: 0.75 };
  // Snowball English (METEOR's stemmer): serves, served → serv; foods, food → food.
  assert.equal(stem('serves'), stem('served'));
  assert.equal(stem('foods'), stem('food'));
  assert.notEqual(stem('serves'), stem('food'));
  // o = the eagle serves cheap foods; r = the eagle served cheap food (5 words each; function word: the).
  // Exact stage: the, eagle, cheap (content 2, function 1). Stem stage on the rest: serves~served, foods~food (content 2).
  // m = 1.0·(.75·2 + .25·1) + 0.6·(.75·2) = 2.65; both sides weigh .75·4 + .25·1 = 3.25, so P = R = Fmean = 2.65/3.25.
  // All five matches lie in order: 1 chunk. Score = (1 - .6·(1/5)^.2)·2.65/3.25.
  const [o, r] = [cocoTokens('The Eagle serves cheap foods.'), cocoTokens('The Eagle served cheap food.')];
  const s = meteorStats(o, r);
  assert.deepEqual([s.matchContent, s.matchFunction, s.stemContent, s.stemFunction, s.chunks, s.matches], [2, 1, 2, 0, 1, 5]);
  close(meteorScore(s), (1 - P.gamma * (1 / 5) ** P.beta) * (2.65 / 3.25), 'METEOR with stems');
  // Exact matches alone (the earlier lower bound): m = 1.75 of 3.25 in 2 chunks of 3 matches — lower.
  const exactOnly = (1 - P.gamma * (2 / 3) ** P.beta) * (1.75 / 3.25);
  close(meteorScore(s, P, { exact: 1, stem: 0 }), (1 - P.gamma * (1 / 5) ** P.beta) * (1.75 / 3.25), 'stem weight 0 keeps the chunking of all matches');
  assert.ok(meteorScore(s) > exactOnly);
  // A word matched exactly is not matched again by its stem: "food food" vs "food foods" gives 1 exact + 1 stem.
  const t = meteorStats(['food', 'food'], ['food', 'foods']);
  assert.deepEqual([t.matchContent, t.stemContent], [1, 1]);
});

test('the metrics registry scores with every reference when given them, with one otherwise', () => {
  assert.equal(metric('cider').higherIsBetter, true);
  const multi = scoreText(['e2e-bleu'], outputs, refs.map((r) => r[0]), refs)['e2e-bleu'];
  const single = scoreText(['e2e-bleu'], outputs, refs.map((r) => r[0]))['e2e-bleu'];
  close(multi, e2eBleu(outputs, refs), 'registry BLEU');
  assert.notEqual(multi, single); // the closest-length reference (r1b) changes the brevity term... and the hits
});

test('multiple choice by generation: the first answer word of the gold answer\'s family, as LLM-Adapters extracts it', () => {
  assert.equal(extractAnswer('the correct answer is true', 'true'), 'true');
  assert.equal(extractAnswer('answer2, not answer1', 'answer1'), 'answer2');
  assert.equal(extractAnswer('I think option1', 'option2'), 'option1');
  assert.equal(extractAnswer('True', 'true'), ''); // case-sensitive, like re.findall(r'true|false')
  assert.equal(extractAnswer('solution2 is right', 'solution2'), 'solution2');
  // 3 of 4 right: ending3 ✓, false ✓ (first of the family wins), '' ✗, answer5 ✓.
  assert.equal(choiceExactMatch(['the answer is ending3', 'false, not true', 'no idea', 'answer5'], ['ending3', 'false', 'true', 'answer5']), 3 / 4);
  // A gold written as a training output (a dev split carved from commonsense_170k) scores by its answer word.
  assert.equal(choiceExactMatch(['answer2', 'answer1'], ['the correct answer is answer2', 'the correct answer is answer3']), 1 / 2);
  assert.throws(() => extractAnswer('x', 'maybe'), /gold answer "maybe" is none of the LLM-Adapters answer forms/);
});
