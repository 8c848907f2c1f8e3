// Tests of the built-in task suite: splits share no source unit, cards are complete, and the parsers handle the raw formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetRegistry, loadDataset } from '../datasets/index.js';
import type { Assembled } from '../datasets/text/assemble.js';
import { readPolarityCsv, loadPangLeeBuild } from '../datasets/tasks/pang-lee.js';
import { isTitle, loadHedgeBuild } from '../datasets/tasks/hedge.js';
import { loadBibleParaBuild } from '../datasets/tasks/bible-para.js';
import { loadWordnetWicBuild } from '../datasets/tasks/wordnet-wic.js';
import { BROWN_GENRES, detag, loadBrownBuild } from '../datasets/tasks/brown-genre.js';
import { loadWordnetD2tBuild } from '../datasets/tasks/wordnet-d2t.js';
import { osisToText } from '../datasets/text/debian.js';
import { readSynsets } from '../datasets/text/wordnet.js';
import { builtinTokenizer } from '../harness/zoo/tokenizer.js';

/** Every source unit lives in exactly one split, and so does every example text. */
function assertNoLeak(b: Assembled, name: string): void {
  const where = new Map<string, string>();
  for (const s of ['train', 'dev', 'test'] as const) {
    assert.equal(b.units[s].length, b.splits[s].length);
    assert.ok(b.splits[s].length > 0, `${name}: ${s} is empty`);
    for (const u of new Set(b.units[s])) {
      assert.ok(!where.has(u), `${name}: unit ${u} in ${where.get(u)} and ${s}`);
      where.set(u, s);
    }
  }
  const texts = new Map<string, string>();
  for (const s of ['train', 'dev', 'test'] as const) for (const e of b.splits[s]) {
    const key = `${e.text}\u0000${e.text2 ?? ''}`;
    assert.ok(!texts.has(key) || texts.get(key) === s, `${name}: the same example in ${texts.get(key)} and ${s}`);
    texts.set(key, s);
  }
}

const builds: [string, () => Promise<Assembled>][] = [
  ['pang-lee', loadPangLeeBuild],
  ['hedge', loadHedgeBuild],
  ['bible-para', loadBibleParaBuild],
  ['wordnet-wic', () => loadWordnetWicBuild('pos')],
  ['wordnet-wic-sense', () => loadWordnetWicBuild('sense')],
  ['brown-genre', loadBrownBuild],
  ['wordnet-d2t', loadWordnetD2tBuild],
];

for (const [id, build] of builds) {
  const why = datasetRegistry.get(id).unavailable();
  test(`${id}: splits share no source unit and no example`, { skip: why ?? false }, async () => {
    assertNoLeak(await build(), id);
  });
  test(`${id}: card complete, kind and metrics consistent`, { skip: why ?? false }, async () => {
    const d = await loadDataset(id);
    for (const k of ['description', 'source', 'license', 'size', 'splitBy'] as const) assert.ok(d.card[k].length > 10, `${id} card.${k}`);
    for (const e of d.splits.train.slice(0, 200)) {
      if (d.kind === 'pair-classification') assert.equal(typeof e.text2, 'string');
      if (d.kind === 'generation') assert.ok(e.target && e.target.length > 0);
      if (d.labels) assert.ok(e.label >= 0 && e.label < d.labels.length);
    }
    if (d.labels) {
      const seen = new Set(d.splits.train.slice(0, 300).map((e) => e.label));
      assert.ok(seen.size >= Math.min(2, d.labels.length), `${id}: the head of train holds several classes`);
    }
  });
}

test('Debian tasks say how to get their data when it is missing; npm ones are available here', () => {
  for (const id of ['pang-lee', 'hedge', 'bible-para']) {
    const why = datasetRegistry.get(id).unavailable();
    if (why) assert.match(why, /run "/, `${id}: ${why}`);
  }
  for (const id of ['wordnet-wic', 'wordnet-wic-sense', 'brown-genre', 'wordnet-d2t', 'sotu-long-2k']) assert.equal(datasetRegistry.get(id).unavailable(), null);
  // The research/personal-use licence is stated where it applies.
  for (const id of ['pang-lee', 'hedge']) assert.match(datasetRegistry.get(id).card.license, /personal use only/i);
});

test('polarity CSV: BOM, quoted multi-line fields, doubled quotes, labels 1/-1', () => {
  const csv = '\uFEFF"1","the rock is "" conan "" .\n"\n"-1","flat ,\nand dull"\n';
  assert.deepEqual(readPolarityCsv(csv), [
    { text: 'the rock is " conan " .', label: 1 },
    { text: 'flat , and dull', label: 0 },
  ]);
  assert.throws(() => readPolarityCsv('"2","x"\n'), /record 1: expected/);
});

test('hedge titles, Brown detagging and OSIS stripping', () => {
  assert.ok(isTitle('Prelingual deafness'));
  assert.ok(!isTitle('This can result in a deaf person becoming generally irritable.'));
  assert.equal(
    detag("The/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ,/, it's/pps+bez 1/2/cd done/vbn ./."),
    'The jury said "no evidence", it\'s 1/2 done.',
  );
  assert.equal(BROWN_GENRES.length, 15);
  assert.equal(
    osisToText('<w lemma="strong:H0430">God</w><note placement="foot">The Hebrew word …</note><w>created</w> the <w>earth</w>.'),
    'God created the earth.',
  );
});

test('wordnet-wic: each sentence once with each label, and each definition as often same-sense as not per part of speech', async () => {
  const { splits } = await loadWordnetWicBuild('pos');
  const rows = [...splits.train, ...splits.dev, ...splits.test];
  const labels = new Map<string, number[]>();
  for (const e of rows) labels.set(e.text, [...(labels.get(e.text) ?? []), e.label]);
  for (const [text, ls] of labels) assert.equal(2 * ls.filter((l) => l === 1).length, ls.length, `"${text}" has labels ${ls}`);
  // A definition's part of speech alone must not tell the label: WordNet verb glosses read "move fast …", noun ones
  // "a …"; the share of same-sense rows among definitions starting with "a " is ~50% by the per-word balance.
  const article = rows.filter((e) => /^(a|an|the) /.test(e.text2!));
  const share = article.filter((e) => e.label === 1).length / article.length;
  assert.ok(article.length > 500 && Math.abs(share - 0.5) < 0.05, `same-sense share among "a …" definitions: ${share}`);
  // And by the definition's own part of speech (from WordNet), for the parts of speech with enough rows.
  const defPos = new Map<string, string>();
  for (const syn of readSynsets()) defPos.set(syn.definition, syn.pos);
  for (const pos of ['noun', 'verb', 'adjective']) {
    const of = rows.filter((e) => defPos.get(e.text2!) === pos);
    const same = of.filter((e) => e.label === 1).length / of.length;
    assert.ok(of.length > 300 && Math.abs(same - 0.5) < 0.05, `${pos} definitions: ${of.length} rows, ${same} same sense`);
  }
});

test('wordnet-wic negatives come from another part of speech; wordnet-wic-sense ones from the same', async () => {
  const posOf = (m: Map<string, Set<string>>, k: string, pos: string) => m.set(k, (m.get(k) ?? new Set()).add(pos));
  const defPos = new Map<string, Set<string>>();
  const exPos = new Map<string, Set<string>>();
  for (const syn of readSynsets()) {
    posOf(defPos, syn.definition, syn.pos);
    for (const ex of syn.examples) posOf(exPos, ex, syn.pos);
  }
  for (const negatives of ['pos', 'sense'] as const) {
    const { splits } = await loadWordnetWicBuild(negatives);
    let checked = 0;
    for (const e of splits.train.filter((x) => x.label === 0).slice(0, 400)) {
      const ex = exPos.get(e.text.slice(e.text.indexOf(': ') + 2).replace(/\[|\]/g, ''));
      const def = defPos.get(e.text2!);
      if (!ex || !def || ex.size > 1 || def.size > 1) continue; // the same text in several parts of speech: ambiguous
      const same = [...ex][0] === [...def][0];
      assert.equal(same, negatives === 'sense', `${negatives}: "${e.text}" against "${e.text2}"`);
      checked++;
    }
    assert.ok(checked > 300, `${negatives}: only ${checked} negatives checked`);
  }
});

test('sotu-long-2k: every window holds more than twice the small bases\' 128-token context', { skip: datasetRegistry.get('sotu-long-2k').unavailable() ?? false }, async () => {
  const tok = await builtinTokenizer(8000);
  const { splits } = await loadDataset('sotu-long-2k');
  const short = [...splits.train, ...splits.test].filter((e) => tok.encode(e.text).length < 2 * 128 + 1);
  assert.equal(short.length, 0, `${short.length} windows shorter than 257 tokens`);
  // The tiny variant keeps its windows (its results stay comparable): > 2 × 64 tokens at the tiny vocabulary.
  const tiny = await loadDataset('sotu-long');
  assert.ok(tiny.splits.train.every((e) => e.text.length <= 1200 && e.text.length >= 900));
});

test('sotu-long-2k-corpus: training windows come from the pretraining corpus\'s training documents, dev and test from held-out speeches', { skip: datasetRegistry.get('sotu-long-2k-corpus').unavailable() ?? false }, async () => {
  const { loadCorpus } = await import('../datasets/corpus.js');
  const { buildSotuLong, SOTU_LONG_VARIANTS } = await import('../datasets/tasks/sotu-long.js');
  const corpus = await loadCorpus();
  const trainDocs = new Set(corpus.train.map((d) => d.id));
  const { splits, speechIds } = await buildSotuLong(SOTU_LONG_VARIANTS.find((v) => v.id === 'sotu-long-2k-corpus')!);
  assert.ok(splits.train.length > 2000, `only ${splits.train.length} training windows`);
  const stray = speechIds.train.filter((id) => !trainDocs.has(id));
  assert.deepEqual(stray, [], 'training windows from documents outside the corpus\'s training split');
  for (const k of ['dev', 'test'] as const) assert.ok(speechIds[k].every((id) => !trainDocs.has(id) && id.startsWith('sotu/')));
  const plain = await loadDataset('sotu-long-2k');
  assert.deepEqual(splits.test, plain.splits.test);
  assert.deepEqual(splits.dev, plain.splits.dev);
});
