// Built-in task "hedge": CoNLL-2010 Wikipedia uncertainty (weasel/hedge) detection, CoLA-type MCC, from Debian python3-pattern's sample.
import fs from 'node:fs';
import { hashOf } from '../../core/hash.js';
import { cachedJson } from '../cache.js';
import { hashShuffle, type SplitName } from '../split.js';
import { assemble, describeSplits, type Assembled, type Tagged } from '../text/assemble.js';
import { patternCorpusFile, patternUnavailable, PATTERN_PKG } from '../text/debian.js';
import type { Dataset, DatasetCard, DatasetSpec } from '../types.js';
import { readPolarityCsv } from './pang-lee.js';

const FILE = 'uncertainty-conll2010.csv';
const BUILD_VERSION = 'hedge-4';
export const HEDGE_LABELS = ['certain', 'uncertain'];

const card: DatasetCard = {
  description:
    'Sentence-level hedge detection (CoLA-type binary task scored by Matthews correlation): does a Wikipedia sentence ' +
    'carry uncertainty or weasel wording ("some suggest", "may", "is thought to")? CoNLL-2010 Shared Task 1 Wikipedia ' +
    'data, as the balanced 3,000-sentence sample python3-pattern ships for its tests. Article titles in the file are ' +
    'used to group sentences by article and are not examples themselves.',
  source: `Debian ${PATTERN_PKG} (/usr/share/doc/python3-pattern/test/corpora/${FILE}; "1" certain, "-1" uncertain), downloaded and unpacked into the cache, not installed`,
  license:
    'Research/personal use only: pattern\'s corpora README says "The corpora are meant for personal use, they are not ' +
    'part of the module\'s BSD license"; the CoNLL-2010 data itself is distributed for research. Never commit derived files.',
  size: '3,000 lines (1,500 uncertain) including article titles',
  splitBy:
    'article: a title line (no final punctuation, at most 12 words) starts an article; an article\'s sentences share its ' +
    'split. Runs of more than 30 lines after a title (the last ~1,100 lines are unrelated uncertain sentences) make each ' +
    'sentence its own unit. Units are stratified by their majority label, then dealt 70/15/15 by a hash of the title (a title seen twice is one unit).',
  labelBalance: 'about 55% uncertain once titles are removed',
};

/** A Wikipedia article title as the file has them: short, no sentence-final punctuation. */
export function isTitle(s: string): boolean {
  return !/[.!?:;"')\]]$/.test(s) && s.split(' ').length <= 12;
}

/** Longer runs after a title are not one article: the file's last ~1,100 lines are unrelated uncertain sentences. */
const MAX_ARTICLE = 30;

function build(file: string): Assembled {
  const runs: { title: string; items: { text: string; label: number }[] }[] = [{ title: '(start)', items: [] }];
  const seen = new Set<string>();
  for (const r of readPolarityCsv(fs.readFileSync(file, 'utf8'))) {
    if (isTitle(r.text)) runs.push({ title: r.text, items: [] });
    else if (!seen.has(r.text)) runs[runs.length - 1].items.push(r);
    seen.add(r.text);
  }
  const rows: Tagged[] = runs.flatMap(({ title, items }) =>
    items.map((r) => ({
      // The file's 1 is "certain": label 1 here is the hedge, the class MCC and F1 treat as positive.
      ex: { text: r.text, label: 1 - r.label },
      unit: items.length <= MAX_ARTICLE ? title : r.text,
      key: r.text,
    })),
  );
  // Articles are few and lopsided, so they are stratified by their majority label before being dealt out by hash.
  const share = new Map<string, number[]>();
  for (const r of rows) share.set(r.unit, [...(share.get(r.unit) ?? []), r.ex.label]);
  const split = new Map<string, SplitName>();
  for (const stratum of [0, 1]) {
    const units = [...share].filter(([, ls]) => Number(2 * ls.reduce((a, b) => a + b, 0) > ls.length) === stratum).map(([u]) => u);
    hashShuffle(units, (u) => u, 'hedge-split').forEach((u, i) => split.set(u, i % 20 < 3 ? 'test' : i % 20 < 6 ? 'dev' : 'train'));
  }
  return assemble(rows, (u) => split.get(u)!);
}

export function loadHedgeBuild(): Promise<Assembled> {
  const file = patternCorpusFile(FILE)!;
  return cachedJson('hedge', hashOf({ v: BUILD_VERSION, data: hashOf(fs.readFileSync(file, 'utf8')) }), () => build(file));
}

export const hedgeSpec: DatasetSpec = {
  id: 'hedge',
  name: 'CoNLL-2010 Wikipedia hedge detection (python3-pattern sample)',
  kind: 'classification',
  metrics: ['mcc', 'accuracy', 'f1'],
  card,
  unavailable: () => patternUnavailable(FILE),
  async load(): Promise<Dataset> {
    const { splits } = await loadHedgeBuild();
    return {
      id: 'hedge',
      name: hedgeSpec.name,
      kind: 'classification',
      labels: HEDGE_LABELS,
      metrics: hedgeSpec.metrics,
      card: { ...card, size: describeSplits(splits, HEDGE_LABELS) },
      contentHash: hashOf(splits),
      splits,
    };
  },
};
