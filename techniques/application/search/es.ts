// Gradient-free minimisation with a fixed budget of evaluations: a seeded (1+λ) evolution strategy with the 1/5th success rule.
import { Rng } from '../../../core/rng.js';

export interface EsOptions {
  /** Evaluations of f in all, the start point included. */
  budget: number;
  lambda: number;
  sigma: number;
  lower: number;
  upper: number;
  seed: number;
}

export interface EsResult {
  best: number[];
  value: number;
  evaluations: number;
}

/**
 * Minimises f from x₀: each generation draws λ offspring x + σ·N(0, I), clipped to [lower, upper], and keeps the best
 * if it beats the parent. σ grows by 1.5 after a success and shrinks by 1.5^(-1/4) after a failure, which holds the
 * success rate near 1/5 (Rechenberg's rule).
 */
export function evolve(f: (x: number[]) => number, x0: number[], o: EsOptions): EsResult {
  const rng = new Rng(o.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()); // Box–Muller
  let best = x0.slice();
  let value = f(best);
  let evaluations = 1;
  let sigma = o.sigma;
  while (evaluations < o.budget) {
    let improved = false;
    for (let k = 0; k < o.lambda && evaluations < o.budget; k++) {
      const child = best.map((x) => Math.min(o.upper, Math.max(o.lower, x + sigma * gauss())));
      const v = f(child);
      evaluations++;
      if (v < value) {
        [best, value, improved] = [child, v, true];
      }
    }
    sigma *= improved ? 1.5 : Math.pow(1.5, -1 / 4);
  }
  return { best, value, evaluations };
}
