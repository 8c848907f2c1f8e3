// Corpus NIST-5 with several references per output, as e2e-metrics (pymteval.py, after mteval-v13a) computes it.
import { maxRefCounts, mtevalTokens, ngramCounts } from './tokenize.js';

/** β such that the length penalty is 0.5 when the outputs are 2/3 of the reference length (mteval-v13a). */
const BETA = -Math.log(0.5) / Math.log(1.5) ** 2;

/**
 * NIST (Doddington 2002): Σ over n = 1..5 of (Σ over matched n-grams of info · hits) / (outputs' n-gram positions),
 * times exp(-β · log²(min(1, L_out / L_ref))), where info(w1..wn) = log2(count(w1..wn-1) / count(w1..wn)) with counts
 * over every reference of the corpus (the empty prefix counts all reference words), hits are clipped by the largest
 * count in any one reference, and L_ref sums each output's mean reference length.
 */
export function e2eNist(outputs: string[], refs: string[][], maxN = 5): number {
  const refCounts: Map<string, number>[] = Array.from({ length: maxN + 1 }, () => new Map());
  const hitsPerN: Map<string, number>[][] = Array.from({ length: maxN }, () => []);
  const candLens = new Array<number>(maxN).fill(0);
  let avgRefLen = 0;
  outputs.forEach((o, i) => {
    const hyp = mtevalTokens(o);
    const rs = refs[i].map(mtevalTokens);
    for (let n = 1; n <= maxN; n++) {
      candLens[n - 1] += hyp.length - n + 1;
      const clip = maxRefCounts(rs, n);
      const hit = new Map<string, number>();
      for (const [k, c] of ngramCounts(hyp, n)) {
        const h = Math.min(c, clip.get(k) ?? 0);
        if (h) hit.set(k, h);
      }
      hitsPerN[n - 1].push(hit);
      for (const r of rs) for (const [k, c] of ngramCounts(r, n)) refCounts[n].set(k, (refCounts[n].get(k) ?? 0) + c);
    }
    const lenSum = rs.reduce((a, r) => a + r.length, 0);
    refCounts[0].set('', (refCounts[0].get('') ?? 0) + lenSum);
    avgRefLen += lenSum / rs.length;
  });
  const info = (gram: string, n: number) => {
    const c = refCounts[n].get(gram);
    if (!c) return 0;
    const prefix = n === 1 ? '' : gram.split(' ').slice(0, -1).join(' ');
    return Math.log2(refCounts[n - 1].get(prefix)! / c);
  };
  let sum = 0;
  for (let n = 1; n <= maxN; n++) {
    let infoSum = 0;
    for (const hit of hitsPerN[n - 1]) for (const [k, h] of hit) infoSum += info(k, n) * h;
    // Outputs too short to have any n-grams of this n (a model emitting nothing): the term is 0, where pymteval would divide by zero.
    sum += candLens[n - 1] > 0 ? infoSum / candLens[n - 1] : 0;
  }
  const ratio = candLens[0] / avgRefLen;
  const bp = ratio >= 1 ? 1 : ratio <= 0 ? 0 : Math.exp(-BETA * Math.log(ratio) ** 2);
  return bp * sum;
}
