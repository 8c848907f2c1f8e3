// LoHa (Hyeon-Woo et al., 2021): ΔW = s · (A₁B₁) ⊙ (A₂B₂), a Hadamard product of two rank-r pairs (rank up to r²); mergeable.
import * as tf from '@tensorflow/tfjs';
import { deltaApply, initVar, kaiming, type DeltaKind } from '../shared/delta-layer.js';
import { technique, z } from '../shared/config.js';

export const lohaSchema = z
  .object({
    r: z.number().int().positive().default(8), // rank of each pair (PEFT's LoHa default, LoRA's GLUE rank)
    alpha: z.number().positive().default(8), // scale α/r = 1, as PEFT's default
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.attn.{q,v}'), // LoRA's targets, so the two compare at equal placement
  })
  .strict();
export type LohaConfig = z.infer<typeof lohaSchema>;

/** LoHa's layer: two rank-r pairs, one factor zero so ΔW = 0 at init while every factor still gets gradient. */
export function lohaLayer(cfg: LohaConfig): DeltaKind {
  const s = cfg.alpha / cfg.r;
  return (linear, seed) => {
    const A1 = initVar(() => kaiming([linear.dIn, cfg.r], linear.dIn, seed()));
    const B1 = initVar(() => kaiming([cfg.r, linear.dOut], cfg.r, seed()));
    const A2 = initVar(() => tf.zeros([linear.dIn, cfg.r]));
    const B2 = initVar(() => kaiming([cfg.r, linear.dOut], cfg.r, seed()));
    return {
      vars: { hada_A1: A1, hada_B1: B1, hada_A2: A2, hada_B2: B2 },
      delta: () => tf.tidy(() => tf.mul(tf.mul(tf.matMul(A1, B1), tf.matMul(A2, B2)), s) as tf.Tensor2D),
    };
  };
}

export const loha = technique<LohaConfig>({
  id: 'loha',
  name: 'LoHa',
  category: 'adapter',
  paper: { title: 'FedPara: Low-Rank Hadamard Product for Communication-Efficient Federated Learning', year: 2021, arxiv: '2108.06098' },
  schema: lohaSchema,
  properties: { identityAtInit: true, changesBase: false },
  // Trained at LoRA's rates (LyCORIS and PEFT use LoRA's recipes), ~10× full fine-tuning's.
  lrMultiplier: 10,
  apply: deltaApply(lohaLayer),
});
