// Corpus BLEU-4 with several references per output, as e2e-metrics (pymteval.py, after mteval-v13a) computes it.
import { maxRefCounts, mtevalTokens, ngramCounts } from './tokenize.js';

const TINY = 1e-15; // pymteval's floor on hits: a corpus with no matching 4-gram scores ~0 instead of failing
const SMALL = 1e-9; // and on candidate n-gram counts

/**
 * BLEU (Papineni et al. 2002) over the corpus: per n (1-4), hits clipped by the largest count in any one reference,
 * summed over outputs, divided by the outputs' n-gram positions (|out| - n + 1 each, negative for short outputs as
 * in pymteval); geometric mean of the four precisions; brevity penalty exp(1 - r/c) when c ≤ r, where r sums, per
 * output, the length of the reference closest in length to it (ties: the shorter). On the 0-1 scale.
 */
export function e2eBleu(outputs: string[], refs: string[][], maxN = 4): number {
  const hits = new Array<number>(maxN).fill(0);
  const candLens = new Array<number>(maxN).fill(0);
  let refLen = 0;
  outputs.forEach((o, i) => {
    const hyp = mtevalTokens(o);
    const rs = refs[i].map(mtevalTokens);
    for (let n = 1; n <= maxN; n++) {
      const clip = maxRefCounts(rs, n);
      for (const [k, c] of ngramCounts(hyp, n)) hits[n - 1] += Math.min(c, clip.get(k) ?? 0);
      candLens[n - 1] += hyp.length - n + 1;
    }
    const closest = rs.reduce((best, r) => {
      const d = Math.abs(r.length - hyp.length), db = Math.abs(best.length - hyp.length);
      return d < db || (d === db && r.length < best.length) ? r : best;
    });
    refLen += closest.length;
  });
  const bp = candLens[0] <= refLen ? Math.exp(1 - refLen / (candLens[0] || 1e-5)) : 1;
  const logSum = hits.reduce((a, h, n) => a + Math.log(Math.max(h, TINY) / Math.max(candLens[n], SMALL)), 0);
  return bp * Math.exp(logSum / maxN);
}
