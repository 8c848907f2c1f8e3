// The dataset registry: every built-in dataset spec, and loadDataset(id) with one clear sentence when one can't be built.
import { Registry } from '../core/registry.js';
import type { Dataset, DatasetSpec } from './types.js';
import { spamSpec } from './tasks/spam.js';
import { sotuYearSpec } from './tasks/sotu-year.js';
import { wordnetDefSpec } from './tasks/wordnet-def.js';
import { sotuLong2kCorpusSpec, sotuLong2kSpec, sotuLongSpec } from './tasks/sotu-long.js';
import { pangLeeSpec } from './tasks/pang-lee.js';
import { hedgeSpec } from './tasks/hedge.js';
import { bibleParaSpec } from './tasks/bible-para.js';
import { wordnetWicSenseSpec, wordnetWicSpec } from './tasks/wordnet-wic.js';
import { brownGenreSpec } from './tasks/brown-genre.js';
import { wordnetD2tSpec } from './tasks/wordnet-d2t.js';

export const datasetRegistry = new Registry<DatasetSpec>('dataset');
datasetRegistry.register(spamSpec);
datasetRegistry.register(sotuYearSpec);
datasetRegistry.register(wordnetDefSpec);
datasetRegistry.register(sotuLongSpec);
datasetRegistry.register(sotuLong2kSpec);
datasetRegistry.register(sotuLong2kCorpusSpec);
datasetRegistry.register(pangLeeSpec);
datasetRegistry.register(hedgeSpec);
datasetRegistry.register(bibleParaSpec);
datasetRegistry.register(wordnetWicSpec);
datasetRegistry.register(wordnetWicSenseSpec);
datasetRegistry.register(brownGenreSpec);
datasetRegistry.register(wordnetD2tSpec);

export async function loadDataset(id: string): Promise<Dataset> {
  const spec = datasetRegistry.get(id);
  const why = spec.unavailable();
  if (why) throw new Error(`Dataset "${id}" is unavailable: ${why}`);
  return spec.load();
}

export type { Dataset, DatasetSpec, Example, Splits, DatasetCard, TaskKind } from './types.js';
export { loadCorpus, reservedSotuIds, type Corpus, type Doc } from './corpus.js';
export { trainTokenizer, tokenizerFromJSON, type Tokenizer } from '../text/index.js';
