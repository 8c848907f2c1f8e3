// The E2E NLG Challenge's five metrics (BLEU, NIST, METEOR, ROUGE-L, CIDEr) as metrics with several references per output.
import type { Metric } from '../metric.js';
import { e2eBleu } from './bleu.js';
import { e2eCider } from './cider.js';
import { e2eMeteor } from './meteor.js';
import { e2eNist } from './nist.js';
import { e2eRougeL } from './rouge.js';

const multi = (id: string, name: string, f: (o: string[], r: string[][]) => number): Metric => ({
  id,
  name,
  higherIsBetter: true,
  compute: () => {
    throw new Error(`Metric "${id}" scores generated text; call computeRefs(outputs, references).`);
  },
  computeText: (o, r) => f(o, r.map((x) => [x])),
  computeRefs: f,
});

/** As e2e-metrics' measure_scores.py reports them: BLEU, METEOR and ROUGE-L on 0-1, NIST and CIDEr on their own scales. */
export const NLG_METRICS: Metric[] = [
  multi('e2e-bleu', 'BLEU (E2E scorer)', e2eBleu),
  multi('nist', 'NIST (E2E scorer)', e2eNist),
  multi('meteor', 'METEOR (exact matches)', e2eMeteor),
  multi('e2e-rouge-l', 'ROUGE-L (E2E scorer)', e2eRougeL),
  multi('cider', 'CIDEr (E2E scorer)', e2eCider),
];

export { e2eBleu, e2eCider, e2eMeteor, e2eNist, e2eRougeL };
