// CIDEr as the COCO caption evaluation's cider_scorer.py (used by e2e-metrics) computes it: the CIDEr-D variant.
import { cocoTokens, ngramCounts } from './tokenize.js';

const N = 4;
const SIGMA = 6; // the Gaussian length penalty's width

interface Vec { tf: Map<string, number>[]; norm: number[]; length: number }

/**
 * CIDEr-D (Vedantam et al. 2015, as coco-caption implements it): per n = 1..4, TF-IDF vectors with
 * idf = log(#outputs) - log(max(1, df)), df = how many outputs' reference sets contain the n-gram; per reference
 * the clipped cosine Σ min(h, r)·r / (|h||r|), times exp(-δ²/2σ²) with σ = 6 and δ the difference of the two
 * "lengths"; averaged over n and references, times 10; averaged over outputs. The "length" is the count of bigrams,
 * not words: coco-caption's counts2vec adds term frequencies where its n-gram index is 1 (bigrams), and we keep that.
 */
export function e2eCider(outputs: string[], refs: string[][]): number {
  if (outputs.length === 0) return 0;
  const cook = (s: string) => Array.from({ length: N }, (_, n) => ngramCounts(cocoTokens(s), n + 1));
  const hyps = outputs.map(cook);
  const refSets = refs.map((rs) => rs.map(cook));
  const df = new Map<string, number>();
  for (const rs of refSets) {
    const seen = new Set<string>();
    for (const r of rs) for (const m of r) for (const k of m.keys()) seen.add(k);
    for (const k of seen) df.set(k, (df.get(k) ?? 0) + 1);
  }
  const logDocs = Math.log(outputs.length);
  const vec = (counts: Map<string, number>[]): Vec => {
    const out: Vec = { tf: [], norm: [], length: 0 };
    counts.forEach((m, n) => {
      const v = new Map<string, number>();
      let sq = 0;
      for (const [k, c] of m) {
        const w = c * (logDocs - Math.log(Math.max(1, df.get(k) ?? 0)));
        v.set(k, w);
        sq += w * w;
        if (n === 1) out.length += c;
      }
      out.tf.push(v);
      out.norm.push(Math.sqrt(sq));
    });
    return out;
  };
  let total = 0;
  hyps.forEach((h, i) => {
    const vh = vec(h);
    let score = 0;
    for (const r of refSets[i]) {
      const vr = vec(r);
      const delta = vh.length - vr.length;
      for (let n = 0; n < N; n++) {
        let val = 0;
        for (const [k, w] of vh.tf[n]) {
          const wr = vr.tf[n].get(k) ?? 0;
          val += Math.min(w, wr) * wr;
        }
        if (vh.norm[n] !== 0 && vr.norm[n] !== 0) val /= vh.norm[n] * vr.norm[n];
        score += val * Math.exp(-(delta ** 2) / (2 * SIGMA ** 2));
      }
    }
    total += ((score / N) / refSets[i].length) * 10;
  });
  return total / outputs.length;
}
