// METEOR 1.5's score (Denkowski & Lavie 2014) with its English "rank" parameters, from exact matches only.
import { cocoTokens } from './tokenize.js';

/** METEOR 1.5's English parameters for ranking: α (P/R weight), β (penalty exponent), γ (penalty weight), δ (content vs function words). */
export const METEOR_PARAMS = { alpha: 0.85, beta: 0.2, gamma: 0.6, delta: 0.75 };

/**
 * Function words (METEOR weighs them by 1 - δ): a subset of METEOR's English list — articles, pronouns,
 * prepositions, conjunctions, auxiliaries — enough for the E2E restaurant texts.
 */
const FUNCTION_WORDS = new Set(
  ('a an the this that these those it its it\'s they them their there here he she his her him we our you your i me my ' +
    'of in on at to for from by with near into onto over under about as than then and or but nor so if while ' +
    'is are was were be been being has have had do does did will would can could should may might must shall ' +
    'not no also which who whom whose what where when how all any some such very too more most just only ' +
    "'s n't").split(' '),
);

/** The statistics METEOR sums over a corpus before scoring. */
export interface MeteorStats {
  hypContent: number; hypFunction: number; refContent: number; refFunction: number;
  /** matched words of each kind, counted in the output and in the reference (equal for exact matches) */
  matchContent: number; matchFunction: number;
  chunks: number; matches: number;
}

/**
 * A one-to-one alignment of equal tokens that matches as many as possible and, among those, prefers continuing the
 * previous match's chunk (hyp i+1 → ref j+1) and then the nearest free reference position: METEOR's search ranks
 * alignments by matches, then fewest chunks, then least distance; this greedy pass finds that alignment whenever the
 * repeated words are few, as in short sentences.
 */
export function align(hyp: string[], ref: string[]): [number, number][] {
  const used = new Set<number>();
  const pairs: [number, number][] = [];
  let last = -2;
  hyp.forEach((w, i) => {
    let pick = -1;
    if (last >= 0 && last + 1 < ref.length && !used.has(last + 1) && ref[last + 1] === w) pick = last + 1;
    else {
      let best = Infinity;
      ref.forEach((r, j) => {
        if (r !== w || used.has(j)) return;
        const d = Math.abs(j / Math.max(1, ref.length) - i / Math.max(1, hyp.length));
        if (d < best) {
          best = d;
          pick = j;
        }
      });
    }
    if (pick >= 0) {
      used.add(pick);
      pairs.push([i, pick]);
      last = pick;
    } else last = -2;
  });
  return pairs;
}

export function meteorStats(hyp: string[], ref: string[]): MeteorStats {
  const pairs = align(hyp, ref);
  let chunks = 0;
  pairs.forEach(([i, j], k) => {
    if (k === 0 || pairs[k - 1][0] !== i - 1 || pairs[k - 1][1] !== j - 1) chunks++;
  });
  const isFn = (w: string) => FUNCTION_WORDS.has(w);
  const matchFunction = pairs.filter(([i]) => isFn(hyp[i])).length;
  return {
    hypContent: hyp.filter((w) => !isFn(w)).length, hypFunction: hyp.filter(isFn).length,
    refContent: ref.filter((w) => !isFn(w)).length, refFunction: ref.filter(isFn).length,
    matchContent: pairs.length - matchFunction, matchFunction, chunks, matches: pairs.length,
  };
}

/**
 * Score from (summed) statistics: P = (δ·m_c + (1-δ)·m_f) / (δ·|h_c| + (1-δ)·|h_f|), R likewise over the reference,
 * Fmean = PR / (αP + (1-α)R), Pen = γ·(chunks / matches)^β, score = (1 - Pen)·Fmean.
 */
export function meteorScore(s: MeteorStats, p = METEOR_PARAMS): number {
  if (s.matches === 0) return 0;
  const { alpha, beta, gamma, delta } = p;
  const m = delta * s.matchContent + (1 - delta) * s.matchFunction;
  const P = m / (delta * s.hypContent + (1 - delta) * s.hypFunction);
  const R = m / (delta * s.refContent + (1 - delta) * s.refFunction);
  const fmean = (P * R) / (alpha * P + (1 - alpha) * R);
  const pen = gamma * (s.chunks / s.matches) ** beta;
  return (1 - pen) * fmean;
}

const add = (a: MeteorStats, b: MeteorStats): MeteorStats =>
  Object.fromEntries(Object.keys(a).map((k) => [k, a[k as keyof MeteorStats] + b[k as keyof MeteorStats]])) as unknown as MeteorStats;

/**
 * Corpus METEOR as METEOR's aggregate line computes it: per output the reference it scores best against, the
 * statistics of those pairs summed, and the score computed once from the sums. Only the exact-match module: METEOR
 * 1.5 adds stem, synonym and paraphrase matches (weights 0.6, 0.8, 0.6), so this is a lower bound of its score.
 */
export function e2eMeteor(outputs: string[], refs: string[][]): number {
  let total: MeteorStats | null = null;
  outputs.forEach((o, i) => {
    const hyp = cocoTokens(o);
    let best: MeteorStats | null = null;
    let bestScore = -1;
    for (const r of refs[i]) {
      const s = meteorStats(hyp, cocoTokens(r));
      const v = meteorScore(s);
      if (v > bestScore) {
        best = s;
        bestScore = v;
      }
    }
    total = total ? add(total, best!) : best;
  });
  return total ? meteorScore(total) : 0;
}
