// Metrics with their direction: the store and the report read higherIsBetter instead of guessing.

export interface Metric {
  id: string;
  name: string;
  higherIsBetter: boolean;
  /** predictions and targets, item by item */
  compute(pred: number[], target: number[]): number;
}

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
  { id: 'spearman', name: 'Spearman ρ', higherIsBetter: true, compute: (p, t) => pearson(ranks(p), ranks(t)) },
];

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
