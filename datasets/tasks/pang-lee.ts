// Built-in task "pang-lee": movie-review sentence polarity (SST-2 type), Pang & Lee's sentences as sampled in Debian python3-pattern.
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { hashOf } from '../../core/hash.js';
import { cachedJson } from '../cache.js';
import { assemble, describeSplits, type Assembled, type Tagged } from '../text/assemble.js';
import { patternCorpusFile, patternUnavailable, PATTERN_PKG } from '../text/debian.js';
import type { Dataset, DatasetCard, DatasetSpec } from '../types.js';

// The pattern README swaps the two files' descriptions: "pang&lee2" holds the 4,000 sentences, "pang&lee1" whole reviews.
const FILE = 'polarity-en-pang&lee2.csv';
const BUILD_VERSION = 'pang-lee-1';
export const PANG_LEE_LABELS = ['negative', 'positive'];

const card: DatasetCard = {
  description:
    'Single-sentence sentiment (SST-2 type, accuracy): is a lower-cased, tokenised movie-review snippet from ' +
    'rottentomatoes.com positive or negative? Pang & Lee sentence polarity v1.0, the 4,000-sentence balanced sample ' +
    'that python3-pattern ships for its own tests.',
  source: `Debian ${PATTERN_PKG} (/usr/share/doc/python3-pattern/test/corpora/${FILE}; labels 1/-1), downloaded and unpacked into the cache, not installed`,
  license:
    'Research/personal use only: pattern\'s corpora README says "The corpora are meant for personal use, they are not ' +
    'part of the module\'s BSD license". Never commit files derived from it; the set-up builds them locally.',
  size: '4,000 sentences before de-duplication',
  splitBy:
    'sentence: the sample carries no review ids, so each distinct sentence is a unit, 80/10/10 by a hash of its text ' +
    '(identical sentences are merged first, conflicting labels dropped).',
  labelBalance: 'about 50% positive',
};

/** The CSV: BOM, every field quoted, sentences with embedded newlines and doubled quotes; label "1" or "-1". */
export function readPolarityCsv(text: string): { text: string; label: number }[] {
  const rows = parse(text, { bom: true, skip_empty_lines: true }) as string[][];
  return rows.map((r, i) => {
    if (r.length !== 2 || (r[0] !== '1' && r[0] !== '-1')) throw new Error(`${FILE} record ${i + 1}: expected "1|-1","text", got ${JSON.stringify(r).slice(0, 80)}.`);
    return { text: r[1].replace(/\s+/g, ' ').trim(), label: r[0] === '1' ? 1 : 0 };
  });
}

function build(file: string): Assembled {
  const byText = new Map<string, Set<number>>();
  for (const r of readPolarityCsv(fs.readFileSync(file, 'utf8'))) if (r.text) byText.set(r.text, (byText.get(r.text) ?? new Set()).add(r.label));
  const rows: Tagged[] = [...byText]
    .filter(([, ls]) => ls.size === 1)
    .map(([text, ls]) => ({ ex: { text, label: [...ls][0] }, unit: text, key: text }));
  return assemble(rows);
}

export function loadPangLeeBuild(): Promise<Assembled> {
  const file = patternCorpusFile(FILE)!;
  return cachedJson('pang-lee', hashOf({ v: BUILD_VERSION, data: hashOf(fs.readFileSync(file, 'utf8')) }), () => build(file));
}

export const pangLeeSpec: DatasetSpec = {
  id: 'pang-lee',
  name: 'Pang & Lee sentence polarity (python3-pattern sample)',
  kind: 'classification',
  metrics: ['accuracy', 'f1'],
  card,
  unavailable: () => patternUnavailable(FILE),
  async load(): Promise<Dataset> {
    const { splits } = await loadPangLeeBuild();
    return {
      id: 'pang-lee',
      name: pangLeeSpec.name,
      kind: 'classification',
      labels: PANG_LEE_LABELS,
      metrics: pangLeeSpec.metrics,
      card: { ...card, size: describeSplits(splits, PANG_LEE_LABELS) },
      contentHash: hashOf(splits),
      splits,
    };
  },
};
