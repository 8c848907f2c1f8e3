// Kendall's τ-b between our scores and a paper's, with a bootstrap interval over our seeds.
import { mulberry32 } from './stats.js';

/**
 * τ-b = (concordant − discordant) / √((n0 − ties_x)(n0 − ties_y)), n0 = n(n−1)/2: 1 when both orders agree,
 * −1 when reversed; ties in either list count toward neither. NaN below two pairs or when one list is constant.
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number {
  let c = 0, d = 0, tx = 0, ty = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const a = Math.sign(x[i]! - x[j]!), b = Math.sign(y[i]! - y[j]!);
      if (a === 0 && b === 0) continue;
      if (a === 0) tx++;
      else if (b === 0) ty++;
      else if (a === b) c++;
      else d++;
    }
  }
  const den = Math.sqrt((c + d + tx) * (c + d + ty));
  return den === 0 ? NaN : (c - d) / den;
}

export interface TauWithCi { tau: number; lo: number; hi: number; rows: number; seedsMin: number }

/**
 * τ-b between the rows' mean scores (over seeds) and the paper's numbers, and its 95% percentile interval from
 * resampling each row's seeds with replacement (B times, seeded): how much the rank agreement owes to which seeds
 * ran. With one seed per row the interval is the point itself.
 */
export function tauOverSeeds(ours: readonly (readonly number[])[], paper: readonly number[], iters = 1000, seed = 20240): TauWithCi | null {
  if (ours.length < 2) return null;
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const tau = kendallTauB(ours.map(mean), paper);
  if (!Number.isFinite(tau)) return null;
  const rand = mulberry32(seed);
  const taus: number[] = [];
  for (let b = 0; b < iters; b++) {
    const t = kendallTauB(ours.map((s) => mean(Array.from({ length: s.length }, () => s[Math.floor(rand() * s.length)]!))), paper);
    if (Number.isFinite(t)) taus.push(t);
  }
  taus.sort((a, b) => a - b);
  const q = (p: number) => taus[Math.min(taus.length - 1, Math.max(0, Math.round(p * (taus.length - 1))))] ?? tau;
  return { tau, lo: q(0.025), hi: q(0.975), rows: ours.length, seedsMin: Math.min(...ours.map((s) => s.length)) };
}
