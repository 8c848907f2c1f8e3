// Metrics with their direction: the store and the report read higherIsBetter instead of guessing.
import type { Metric } from './metric.js';
import { CHOICE_METRICS } from './choice-answer.js';
import { NLG_METRICS } from './nlg/index.js';
import { lcsLength } from './nlg/tokenize.js';

export type { Metric } from './metric.js';

function confusion(pred: number[], target: number[], positive: number) {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] === positive, t = target[i] === positive;
    if (p && t) tp++;
    else if (p) fp++;
    else if (t) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

function f1Of(pred: number[], target: number[], positive: number): number {
  const { tp, fp, fn } = confusion(pred, target, positive);
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

function ranks(xs: number[]): number[] {
  const idx = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2 + 1; // ties share the mean rank
    i = j + 1;
  }
  return r;
}

export function pearson(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  const mx = x.reduce((a, b) => a + b, 0) / n, my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

export const METRICS: Metric[] = [
  {
    id: 'accuracy',
    name: 'Accuracy',
    higherIsBetter: true,
    compute: (p, t) => p.filter((x, i) => x === t[i]).length / Math.max(1, p.length),
  },
  { id: 'f1', name: 'F1 (positive class)', higherIsBetter: true, compute: (p, t) => f1Of(p, t, 1) },
  {
    id: 'macro-f1',
    name: 'Macro F1',
    higherIsBetter: true,
    compute: (p, t) => {
      const classes = [...new Set(t)];
      return classes.reduce((a, c) => a + f1Of(p, t, c), 0) / Math.max(1, classes.length);
    },
  },
  {
    id: 'mcc',
    name: 'Matthews correlation',
    higherIsBetter: true,
    compute: (p, t) => {
      const { tp, fp, fn, tn } = confusion(p, t, 1);
      const d = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
      return d === 0 ? 0 : (tp * tn - fp * fn) / d;
    },
  },
  { id: 'pearson', name: 'Pearson r', higherIsBetter: true, compute: (p, t) => pearson(p, t) },
  {
    // Language modelling: predictions are per-window mean next-token losses, targets the windows' token counts.
    id: 'perplexity',
    name: 'Perplexity',
    higherIsBetter: false,
    compute: (p, t) => {
      let nll = 0, n = 0;
      for (let i = 0; i < p.length; i++) {
        nll += p[i] * t[i];
        n += t[i];
      }
      return Math.exp(nll / Math.max(1, n));
    },
  },
  { id: 'spearman', name: 'Spearman ρ', higherIsBetter: true, compute: (p, t) => pearson(ranks(p), ranks(t)) },
];

/** Lower-cased words and single punctuation marks, the units BLEU and ROUGE count. */
export function textTokens(s: string): string[] {
  return s.toLowerCase().match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
}

function ngrams(xs: string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= xs.length; i++) {
    const k = xs.slice(i, i + n).join(' ');
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/**
 * Corpus BLEU-4 (Papineni et al. 2002), one reference per item: clipped n-gram precisions summed over the corpus,
 * their geometric mean, times the brevity penalty exp(1 - r/c) when the outputs are shorter than the references.
 * No smoothing: a corpus without a single matching 4-gram scores 0, as in the paper.
 */
export function corpusBleu(pred: string[], ref: string[], maxN = 4): number {
  const match = new Array<number>(maxN).fill(0), total = new Array<number>(maxN).fill(0);
  let c = 0, r = 0;
  pred.forEach((p, i) => {
    const hyp = textTokens(p), gold = textTokens(ref[i]);
    c += hyp.length;
    r += gold.length;
    for (let n = 1; n <= maxN; n++) {
      const g = ngrams(gold, n);
      for (const [k, cnt] of ngrams(hyp, n)) match[n - 1] += Math.min(cnt, g.get(k) ?? 0);
      total[n - 1] += Math.max(0, hyp.length - n + 1);
    }
  });
  if (c === 0 || match.some((m) => m === 0)) return 0;
  const logP = match.reduce((a, m, n) => a + Math.log(m / total[n]), 0) / maxN;
  const bp = c < r ? Math.exp(1 - r / c) : 1;
  return bp * Math.exp(logP);
}

/** ROUGE-L (Lin 2004): per item the LCS-based F-measure (β = 1: F1 of LCS/|output| and LCS/|reference|), averaged. */
export function rougeL(pred: string[], ref: string[]): number {
  if (pred.length === 0) return 0;
  let sum = 0;
  pred.forEach((p, i) => {
    const hyp = textTokens(p), gold = textTokens(ref[i]);
    const l = lcsLength(hyp, gold);
    if (l > 0) sum += (2 * (l / hyp.length) * (l / gold.length)) / (l / hyp.length + l / gold.length);
  });
  return sum / pred.length;
}

const textOnly = (id: string) => () => {
  throw new Error(`Metric "${id}" scores generated text; call computeText(outputs, references).`);
};
METRICS.push(
  { id: 'bleu', name: 'BLEU-4 (corpus)', higherIsBetter: true, compute: textOnly('bleu'), computeText: corpusBleu },
  { id: 'rouge-l', name: 'ROUGE-L F1', higherIsBetter: true, compute: textOnly('rouge-l'), computeText: rougeL },
);

METRICS.push(...NLG_METRICS, ...CHOICE_METRICS);

/**
 * Scores generated texts by text metrics; a numeric-only metric named here is an error. `refs`, when given, holds
 * every reference of each output, for the metrics that use several (E2E's).
 */
export function scoreText(metricIds: string[], pred: string[], ref: string[], refs?: string[][]): Record<string, number> {
  return Object.fromEntries(
    metricIds.map((id) => {
      const m = metric(id);
      if (!m.computeText) throw new Error(`Metric "${id}" scores numbers, not generated text.`);
      return [id, refs && m.computeRefs ? m.computeRefs(pred, refs) : m.computeText(pred, ref)];
    }),
  );
}

export function metric(id: string): Metric {
  const m = METRICS.find((m) => m.id === id);
  if (!m) throw new Error(`Unknown metric "${id}". Available: ${METRICS.map((m) => m.id).join(', ')}.`);
  return m;
}

/** The trivial baseline's prediction for every item: majority class, or mean target for regression. */
export function baselinePredictions(train: number[], n: number, regression: boolean): number[] {
  if (regression) return new Array(n).fill(train.reduce((a, b) => a + b, 0) / Math.max(1, train.length));
  const counts = new Map<number, number>();
  for (const y of train) counts.set(y, (counts.get(y) ?? 0) + 1);
  const major = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? 0;
  return new Array(n).fill(major);
}
