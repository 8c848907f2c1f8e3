// AdaLoRA's rank allocator: smoothed sensitivity × uncertainty per singular triplet, and a cubic budget schedule that prunes to it.
import * as tf from '@tensorflow/tfjs';

export interface BudgetSchedule {
  initBudget: number; // total rank b(0)
  targetBudget: number; // total rank b(T)
  tInit: number; // warm-up steps at b(0)
  tFinal: number; // final steps at b(T), pattern fixed
  deltaT: number; // prune every ΔT steps while the budget falls
}

/**
 * The paper's eq. (9): b(t) = b(0) for t ≤ t_i; b(T) + (b(0) − b(T))·(1 − (t − t_i)/(T − t_i − t_f))³ while it falls;
 * b(T) from T − t_f on. `mask` says whether step t prunes (every ΔT steps while falling, and once at T − t_f).
 */
export function budgetAt(t: number, T: number, s: BudgetSchedule): { budget: number; mask: boolean } {
  const end = T - s.tFinal;
  if (t <= s.tInit && t < end) return { budget: s.initBudget, mask: false };
  if (t >= end) return { budget: s.targetBudget, mask: t === end };
  const k = 1 - (t - s.tInit) / (end - s.tInit);
  return { budget: Math.floor((s.initBudget - s.targetBudget) * k ** 3 + s.targetBudget), mask: t % s.deltaT === 0 };
}

/** One adapted layer as the allocator sees it: Q [d_in, r] (right vectors), λ [r], P [r, d_out] (left vectors). */
export interface Triplets {
  Q: tf.Variable;
  lambda: tf.Variable;
  P: tf.Variable;
  /** 1 where the triplet is kept; what the budget counts. */
  mask: Uint8Array;
}

/** Sensitivity s = |θ · ∂L/∂θ| per entry, smoothed: Ī ← β₁Ī + (1−β₁)I, Ū ← β₂Ū + (1−β₂)|I − Ī|; score Ī·Ū (eq. 5–7). */
export class RankAllocator {
  private readonly avg = new Map<tf.Variable, tf.Tensor>();
  private readonly unc = new Map<tf.Variable, tf.Tensor>();
  private pending: Map<tf.Variable, tf.Tensor> | null = null;

  constructor(
    readonly layers: Triplets[],
    readonly beta1: number,
    readonly beta2: number,
  ) {}

  private vars(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.Q, l.lambda, l.P]);
  }

  totalRank(): number {
    return this.layers.reduce((n, l) => n + l.mask.reduce((a, b) => a + b, 0), 0);
  }

  /** Records this step's sensitivities |θ·g| from the gradients (before the update, as the trainer hands them over). */
  observe(grads: Map<tf.Variable, tf.Tensor>): void {
    this.dropPending();
    this.pending = new Map();
    for (const v of this.vars()) {
      const g = grads.get(v);
      if (g) this.pending.set(v, tf.tidy(() => tf.abs(tf.mul(v, g))));
    }
  }

  /** Folds the recorded sensitivities into the moving averages. */
  accumulate(): void {
    if (!this.pending) return;
    for (const [v, I] of this.pending) {
      const avg0 = this.avg.get(v);
      const unc0 = this.unc.get(v);
      const [avg, unc] = tf.tidy(() => {
        const a = avg0 ? tf.add(tf.mul(avg0, this.beta1), tf.mul(I, 1 - this.beta1)) : tf.mul(I, 1 - this.beta1);
        const d = tf.abs(tf.sub(I, a));
        const u = unc0 ? tf.add(tf.mul(unc0, this.beta2), tf.mul(d, 1 - this.beta2)) : tf.mul(d, 1 - this.beta2);
        return [a, u];
      });
      tf.dispose([avg0, unc0].filter((t): t is tf.Tensor => !!t));
      this.avg.set(v, avg);
      this.unc.set(v, unc);
    }
    this.dropPending();
  }

  dropPending(): void {
    if (this.pending) tf.dispose([...this.pending.values()]);
    this.pending = null;
  }

  /** S_i = s(λ_i) + mean_j s(Q_ji) + mean_j s(P_ij) for every triplet of every layer (eq. 7). */
  scores(): Float32Array[] {
    return this.layers.map((l) =>
      tf.tidy(() => {
        const s = (v: tf.Variable) => (this.avg.has(v) ? tf.mul(this.avg.get(v)!, this.unc.get(v)!) : tf.zerosLike(v));
        return tf.addN([s(l.lambda), tf.mean(s(l.Q), 0), tf.mean(s(l.P), 1)]).dataSync() as Float32Array;
      }),
    );
  }

  /** Keeps the `budget` highest-scoring triplets over all layers and zeroes the other singular values. */
  prune(budget: number): void {
    const scores = this.scores();
    const all = scores.flatMap((s, li) => Array.from(s, (v, i) => ({ v, li, i })));
    all.sort((a, b) => b.v - a.v);
    for (const l of this.layers) l.mask.fill(0);
    for (const { li, i } of all.slice(0, budget)) this.layers[li].mask[i] = 1;
    this.applyMask();
  }

  /** λ ← λ ⊙ mask. */
  applyMask(): void {
    for (const l of this.layers) {
      const m = tf.tensor1d(Float32Array.from(l.mask));
      const kept = tf.mul(l.lambda, m);
      l.lambda.assign(kept);
      tf.dispose([m, kept]);
    }
  }

  resetScores(): void {
    tf.dispose([...this.avg.values(), ...this.unc.values()]);
    this.avg.clear();
    this.unc.clear();
  }

  dispose(): void {
    this.dropPending();
    this.resetScores();
  }
}
