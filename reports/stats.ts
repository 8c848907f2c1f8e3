// Statistics over seeds and items: mean, std, t-based 95% CI, McNemar's exact test, paired bootstrap.

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Sample standard deviation (n − 1); NaN for fewer than two values. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

// Two-sided 97.5% quantiles of Student's t; seeds are few, so the normal 1.96 would overstate confidence.
const T975 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
  2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06,
  2.056, 2.052, 2.048, 2.045, 2.042];

export function t975(df: number): number {
  if (df < 1) return NaN;
  return df < T975.length ? T975[df]! : 1.96 + 2.4 / df;   // close to the table beyond 30
}

/** 95% confidence interval of the mean over seeds; null with fewer than two values. */
export function ci95(xs: readonly number[]): [number, number] | null {
  if (xs.length < 2) return null;
  const h = (t975(xs.length - 1) * std(xs)) / Math.sqrt(xs.length);
  const m = mean(xs);
  return [m - h, m + h];
}

/**
 * McNemar's exact test: b = items only A got right, c = items only B got right.
 * Two-sided binomial p-value under H0 that disagreements split 50/50.
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // log P(X = i) for X ~ Bin(n, 1/2), stepped from i = 0 so large n stays linear.
  let logPmf = -n * Math.LN2;
  let logTail = logPmf;
  for (let i = 0; i < k; i++) {
    logPmf += Math.log(n - i) - Math.log(i + 1);
    logTail = logAdd(logTail, logPmf);
  }
  return Math.min(1, 2 * Math.exp(logTail));
}

export interface BootstrapResult { mean: number; lo: number; hi: number; p: number }

/**
 * Paired bootstrap over items of per-item differences (A − B): 95% percentile interval of the mean
 * difference and a two-sided p-value (twice the share of resamples on the other side of zero).
 * Seeded, so the same database gives the same report.
 */
export function pairedBootstrap(diffs: readonly number[], iters = 2000, seed = 12345): BootstrapResult {
  const n = diffs.length;
  if (n === 0) return { mean: NaN, lo: NaN, hi: NaN, p: NaN };
  const rand = mulberry32(seed);
  const means = new Float64Array(iters);
  for (let b = 0; b < iters; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += diffs[Math.floor(rand() * n)]!;
    means[b] = s / n;
  }
  means.sort();
  const m = mean(diffs);
  let below = 0;
  let above = 0;
  for (const x of means) {
    if (x <= 0) below++;
    if (x >= 0) above++;
  }
  const p = Math.min(1, (2 * Math.min(below, above) + 1) / (iters + 1));
  return { mean: m, lo: means[Math.floor(0.025 * (iters - 1))]!, hi: means[Math.ceil(0.975 * (iters - 1))]!, p };
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}
