// AdaLoRA (Zhang et al., 2023): ΔW = Q Λ P in SVD form, P, Q kept near-orthogonal, singular values pruned by importance to a falling budget.
import * as tf from '@tensorflow/tfjs';
import { DeltaAdapter, initVar, type DeltaKind } from '../shared/delta-layer.js';
import { RankAllocator, budgetAt, type Triplets } from '../shared/adalora-allocator.js';
import { applied } from '../shared/applied.js';
import { technique, z } from '../shared/config.js';

export const adaloraSchema = z
  .object({
    initR: z.number().int().positive().default(12), // b(0) = 1.5 × b(T), as in the paper's experiments
    targetR: z.number().int().positive().default(8), // average rank per layer at the end: b(T) = targetR × layers
    alpha: z.number().positive().default(16), // the official GLUE scripts' lora_alpha; ΔW is scaled by α / initR
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.{attn.{q,k,v,o},ffn.{gate,up,down}}'), // the paper adapts every weight matrix
    tInit: z.number().min(0).max(1).default(0.1), // warm-up share: the paper's GLUE runs use t_i ≈ 0.1·T
    tFinal: z.number().min(0).max(1).default(0.3), // final share at b(T): t_f ≈ 0.3–0.6·T there
    deltaT: z.number().int().positive().default(10), // steps between re-allocations (100 in the paper's ~50k-step runs)
    beta1: z.number().min(0).max(1).default(0.85), // EMA of sensitivity, the paper's β₁
    beta2: z.number().min(0).max(1).default(0.85), // EMA of uncertainty, the paper's β₂
    orthReg: z.number().min(0).default(0.1), // γ of the orthogonality regulariser (official reg_orth_coef)
  })
  .strict()
  .refine((c) => c.targetR <= c.initR, { message: 'must not exceed initR', path: ['targetR'] })
  .refine((c) => c.tInit + c.tFinal < 1, { message: 'tInit + tFinal must leave room for the budget to fall', path: ['tFinal'] });
export type AdaloraConfig = z.infer<typeof adaloraSchema>;

/** ‖C − I‖_F for C = M Mᵀ or Mᵀ M over the rank dimension: how far the singular vectors are from orthonormal (eq. 4). */
function orthogonality(m: tf.Tensor2D, rankAxis: 0 | 1): tf.Scalar {
  const c = rankAxis === 0 ? tf.matMul(m, m, false, true) : tf.matMul(m, m, true, false);
  return tf.norm(tf.sub(c, tf.eye(c.shape[0]))) as tf.Scalar;
}

/** AdaLoRA's layer: ΔW = s · Q Λ P, s = α / initR; each layer's triplets also go to `triplets`, for the allocator. */
export function svdLayer(cfg: AdaloraConfig, triplets: (Triplets & { name: string })[]): DeltaKind {
  const s = cfg.alpha / cfg.initR;
  return (linear, seed) => {
    // The paper initialises P, Q Gaussian (std 0.02 in the official code) and Λ = 0, so ΔW = 0.
    const Q = initVar(() => tf.randomNormal([linear.dIn, cfg.initR], 0, 0.02, 'float32', seed()));
    const lambda = initVar(() => tf.zeros([cfg.initR]));
    const P = initVar(() => tf.randomNormal([cfg.initR, linear.dOut], 0, 0.02, 'float32', seed()));
    triplets.push({ name: linear.name, Q, lambda, P, mask: new Uint8Array(cfg.initR).fill(1) });
    return {
      vars: { lora_A: Q, lora_E: lambda, lora_B: P },
      delta: () => tf.tidy(() => tf.mul(tf.matMul(tf.mul(Q, lambda), P), s) as tf.Tensor2D),
      apply: (x) => tf.mul(tf.matMul(tf.mul(tf.matMul(x, Q), lambda), P), s) as tf.Tensor2D,
    };
  };
}

export const adalora = technique<AdaloraConfig>({
  id: 'adalora',
  name: 'AdaLoRA',
  category: 'adapter',
  paper: { title: 'Adaptive Budget Allocation for Parameter-Efficient Fine-Tuning', year: 2023, arxiv: '2303.10512' },
  schema: adaloraSchema,
  properties: { identityAtInit: true, changesBase: false },
  // The paper's GLUE rates (5e-4 to 1.2e-3 on DeBERTaV3-base) are LoRA-like, ~10× and more over full fine-tuning's.
  lrMultiplier: 10,
  apply(model, cfg, ctx) {
    const triplets: (Triplets & { name: string })[] = [];
    const adapter = new DeltaAdapter(model, model.find(cfg.targets), svdLayer(cfg, triplets), { dropout: cfg.dropout, seed: ctx.seed });
    const allocator = new RankAllocator(triplets, cfg.beta1, cfg.beta2);
    const base = applied(model, adapter);
    return {
      ...base,
      auxLoss: () =>
        cfg.orthReg > 0
          ? tf.tidy(() => {
              const terms = triplets.flatMap((t) => [orthogonality(t.Q as tf.Variable<tf.Rank.R2>, 1), orthogonality(t.P as tf.Variable<tf.Rank.R2>, 0)]);
              return tf.mul(tf.div(tf.addN(terms), terms.length), cfg.orthReg) as tf.Scalar;
            })
          : null,
      // Only observes: the sensitivities need this step's gradients, which the trainer shows nowhere else.
      transformGrads: (grads) => {
        allocator.observe(grads);
        return grads;
      },
      onStep: ({ step, totalSteps }) => {
        const t = step + 1;
        const schedule = {
          initBudget: cfg.initR * triplets.length,
          targetBudget: cfg.targetR * triplets.length,
          tInit: Math.round(cfg.tInit * totalSteps),
          tFinal: Math.round(cfg.tFinal * totalSteps),
          deltaT: cfg.deltaT,
        };
        const end = totalSteps - schedule.tFinal;
        if (t < end) allocator.accumulate();
        else allocator.dropPending();
        const { budget, mask } = budgetAt(t, totalSteps, schedule);
        // Re-allocate every ΔT steps (and once, finally, at T − t_f); in between the current pattern holds (eq. 8).
        if (mask) allocator.prune(budget);
        else allocator.applyMask();
        if (t === end) allocator.resetScores();
      },
      metrics: () => ({ rank: allocator.totalRank() }),
      // The rank pattern is saved with the weights: it decides which singular values stay pruned.
      adapterState: () => ({
        ...base.adapterState(),
        ...Object.fromEntries(triplets.map((t) => [`${t.name}.lora_mask`, tf.tensor1d(Float32Array.from(t.mask))])),
      }),
      loadAdapterState: (st) => {
        base.loadAdapterState(st);
        for (const t of triplets) {
          const m = st[`${t.name}.lora_mask`];
          if (!m) throw new Error(`The adapter state has no tensor "${t.name}.lora_mask".`);
          t.mask.set(Array.from(m.dataSync(), (v) => (v ? 1 : 0)));
        }
      },
      dispose: () => {
        allocator.dispose();
        base.dispose();
      },
    };
  },
});
