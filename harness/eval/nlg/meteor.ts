// METEOR 1.5's score (Denkowski & Lavie 2014) with its English "rank" parameters, from exact and stem matches.
import { cocoTokens } from './tokenize.js';
import { stem } from './stem.js';

/** METEOR 1.5's English parameters for ranking: α (P/R weight), β (penalty exponent), γ (penalty weight), δ (content vs function words). */
export const METEOR_PARAMS = { alpha: 0.85, beta: 0.2, gamma: 0.6, delta: 0.75 };

/**
 * The weight of a match by the stage that made it: METEOR 1.5's English module weights are exact 1.0, stem 0.6,
 * synonym 0.8, paraphrase 0.6; the synonym (WordNet) and paraphrase-table stages are not here (no data offline).
 */
export const METEOR_STAGE_WEIGHTS = { exact: 1.0, stem: 0.6 };

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
  /** matched words of each kind by exact match (counted once: a one-to-one match has one word on each side) */
  matchContent: number; matchFunction: number;
  /** matched words of each kind by stem only (different surface forms, equal Snowball stems) */
  stemContent: number; stemFunction: number;
  chunks: number; matches: number;
}

/**
 * A one-to-one alignment of tokens with equal keys, among the positions not yet used, that matches as many as
 * possible and, among those, prefers continuing the previous match's chunk (hyp i+1 → ref j+1) and then the nearest
 * free reference position: METEOR's search ranks alignments by matches, then fewest chunks, then least distance; this
 * greedy pass finds that alignment whenever the repeated words are few, as in short sentences.
 */
export function align(hyp: string[], ref: string[], usedHyp = new Set<number>(), usedRef = new Set<number>()): [number, number][] {
  const pairs: [number, number][] = [];
  let last = -2;
  hyp.forEach((w, i) => {
    if (usedHyp.has(i)) {
      last = -2;
      return;
    }
    let pick = -1;
    if (last >= 0 && last + 1 < ref.length && !usedRef.has(last + 1) && ref[last + 1] === w) pick = last + 1;
    else {
      let best = Infinity;
      ref.forEach((r, j) => {
        if (r !== w || usedRef.has(j)) return;
        const d = Math.abs(j / Math.max(1, ref.length) - i / Math.max(1, hyp.length));
        if (d < best) {
          best = d;
          pick = j;
        }
      });
    }
    if (pick >= 0) {
      usedRef.add(pick);
      usedHyp.add(i);
      pairs.push([i, pick]);
      last = pick;
    } else last = -2;
  });
  return pairs;
}

/**
 * METEOR's stages in order: exact matches first, then, among the words still unaligned, words whose stems agree
 * (METEOR's English stemmer is Snowball's, as here). Chunks are counted over the union of both stages' matches.
 */
export function meteorStats(hyp: string[], ref: string[]): MeteorStats {
  const usedHyp = new Set<number>(), usedRef = new Set<number>();
  const exact = align(hyp, ref, usedHyp, usedRef);
  const stems = align(hyp.map(stem), ref.map(stem), usedHyp, usedRef);
  const pairs = [...exact, ...stems].sort((a, b) => a[0] - b[0]);
  let chunks = 0;
  pairs.forEach(([i, j], k) => {
    if (k === 0 || pairs[k - 1][0] !== i - 1 || pairs[k - 1][1] !== j - 1) chunks++;
  });
  const isFn = (w: string) => FUNCTION_WORDS.has(w);
  const fnOf = (ps: [number, number][]) => ps.filter(([i]) => isFn(hyp[i])).length;
  const [exactFn, stemFn] = [fnOf(exact), fnOf(stems)];
  return {
    hypContent: hyp.filter((w) => !isFn(w)).length, hypFunction: hyp.filter(isFn).length,
    refContent: ref.filter((w) => !isFn(w)).length, refFunction: ref.filter(isFn).length,
    matchContent: exact.length - exactFn, matchFunction: exactFn,
    stemContent: stems.length - stemFn, stemFunction: stemFn,
    chunks, matches: pairs.length,
  };
}

/**
 * Score from (summed) statistics: m = Σ_stage w_stage·(δ·m_c + (1-δ)·m_f), P = m / (δ·|h_c| + (1-δ)·|h_f|), R = m
 * over the reference likewise, Fmean = PR / (αP + (1-α)R), Pen = γ·(chunks / matches)^β, score = (1 - Pen)·Fmean.
 */
export function meteorScore(s: MeteorStats, p = METEOR_PARAMS, w = METEOR_STAGE_WEIGHTS): number {
  if (s.matches === 0) return 0;
  const { alpha, beta, gamma, delta } = p;
  const m = w.exact * (delta * s.matchContent + (1 - delta) * s.matchFunction) + w.stem * (delta * s.stemContent + (1 - delta) * s.stemFunction);
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
 * statistics of those pairs summed, and the score computed once from the sums. Exact and stem stages only: METEOR
 * 1.5 also matches WordNet synonyms (0.8) and paraphrases (0.6), so this is a lower bound of its score.
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
