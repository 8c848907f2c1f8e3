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
  ['wordnet-wic', loadWordnetWicBuild],
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
  for (const id of ['wordnet-wic', 'brown-genre', 'wordnet-d2t']) assert.equal(datasetRegistry.get(id).unavailable(), null);
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
