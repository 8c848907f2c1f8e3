// Built-in task "bible-para": paraphrase pairs (MRPC type), a King James verse against a World English Bible verse, split by chapter.
import { hashOf } from '../../core/hash.js';
import { cachedJson } from '../cache.js';
import { splitOf, unitHash, type SplitName } from '../split.js';
import { assemble, describeSplits, type Assembled, type Tagged } from '../text/assemble.js';
import { SWORD_MODULES, swordUnavailable, swordVerses, swordVersion } from '../text/debian.js';
import type { Dataset, DatasetCard, DatasetSpec } from '../types.js';

const BUILD_VERSION = 'bible-para-1';
/** Out of ~31,000 verses both translations have: enough for a benchmark, quick to score. */
const N_PAIRS = 8000;
export const PARA_LABELS = ['different', 'paraphrase'];

const card: DatasetCard = {
  description:
    'Paraphrase pairs (MRPC type, accuracy and F1): is a King James Version verse the same verse as a World English ' +
    'Bible verse? Positives are the same reference in both; negatives pair the KJV verse with a WEB verse nearby in the ' +
    'same chapter (1–3 verses away: same topic, hard) or a random verse of the same split (easy), half each.',
  source: 'Debian sword-text-kjv (SWORD module engKJV2006eb) and sword-text-web (engWEB2015eb), exported with mod2imp (libsword-utils); OSIS notes and tags stripped',
  license: 'Both translations public domain (module .conf: DistributionLicense=Public Domain); the KJV is under Crown letters patent in the UK.',
  size: `${N_PAIRS} pairs sampled by hash from the verses both modules hold`,
  splitBy: 'chapter: 80/10/10 by a hash of "Book chapter"; negatives are drawn from the same split, so no verse text crosses splits.',
  labelBalance: 'about 50% paraphrase by hash',
};

const chapterOf = (ref: string) => ref.slice(0, ref.lastIndexOf(':'));
const verseOf = (ref: string) => Number(ref.slice(ref.lastIndexOf(':') + 1));

function build(): Assembled {
  const kjv = swordVerses(SWORD_MODULES.kjv);
  const web = swordVerses(SWORD_MODULES.web);
  const refs = [...kjv.keys()].filter((r) => web.has(r));
  const split = (ref: string): SplitName => splitOf(chapterOf(ref));
  const bySplit: Record<SplitName, string[]> = { train: [], dev: [], test: [] };
  for (const r of refs) bySplit[split(r)].push(r);
  const rows: Tagged[] = [];
  const chosen = refs.map((r) => ({ r, h: unitHash(r, 'bible-pick') })).sort((a, b) => a.h - b.h).slice(0, N_PAIRS);
  for (const { r } of chosen) {
    const u = unitHash(r, 'bible-label');
    let other = r;
    if (u >= 0.5) {
      if (u < 0.75) {
        // A verse 1–3 away in the same chapter, either side, that both modules hold.
        const d = 1 + Math.floor(unitHash(r, 'bible-near') * 3);
        const near = [verseOf(r) + d, verseOf(r) - d].map((v) => `${chapterOf(r)}:${v}`).find((x) => web.has(x) && kjv.has(x));
        if (near) other = near;
      }
      if (other === r) {
        const pool = bySplit[split(r)];
        other = pool[Math.floor(unitHash(r, 'bible-far') * pool.length)];
      }
    }
    if (other !== r && web.get(other) === web.get(r)) continue; // repeated verses ("And the LORD spake unto Moses, saying,")
    rows.push({ ex: { text: kjv.get(r)!, text2: web.get(other)!, label: other === r ? 1 : 0 }, unit: chapterOf(r), key: r });
  }
  return assemble(rows, (c) => splitOf(c));
}

export function loadBibleParaBuild(): Promise<Assembled> {
  const versions = Object.values(SWORD_MODULES).map(swordVersion);
  return cachedJson('bible-para', hashOf({ v: BUILD_VERSION, versions, N_PAIRS }), build);
}

export const bibleParaSpec: DatasetSpec = {
  id: 'bible-para',
  name: 'Bible verse paraphrase: KJV vs WEB',
  kind: 'pair-classification',
  metrics: ['accuracy', 'f1'],
  card,
  unavailable: swordUnavailable,
  async load(): Promise<Dataset> {
    const { splits, units } = await loadBibleParaBuild();
    const ch = (['train', 'dev', 'test'] as const).map((k) => `${k} ${new Set(units[k]).size}`).join(', ');
    return {
      id: 'bible-para',
      name: bibleParaSpec.name,
      kind: 'pair-classification',
      labels: PARA_LABELS,
      metrics: bibleParaSpec.metrics,
      card: { ...card, size: `${describeSplits(splits, PARA_LABELS)}; chapters ${ch}` },
      contentHash: hashOf(splits),
      splits,
    };
  },
};
