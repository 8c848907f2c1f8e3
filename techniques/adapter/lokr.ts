// LoKr (Yeh et al., 2023): ΔW = s · C ⊗ (A B), a Kronecker product of a small full factor and a low-rank one, over a factorisation of the dims; mergeable.
import * as tf from '@tensorflow/tfjs';
import { deltaApply, initVar, kaiming, type DeltaKind, type DeltaParts } from '../shared/delta-layer.js';
import { technique, z } from '../shared/config.js';

export const lokrSchema = z
  .object({
    r: z.number().int().positive().default(8), // rank of the second factor (PEFT's LoKr default)
    alpha: z.number().positive().default(8), // scale α/r = 1, as PEFT's default
    decomposeFactor: z.number().int().default(-1), // −1: split each dim into the two factors closest to its square root
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.attn.{q,v}'), // LoRA's targets, so the two compare at equal placement
  })
  .strict();
export type LokrConfig = z.infer<typeof lokrSchema>;

/** dim = m · n with m ≤ n, m as large as allowed (≤ factor when factor > 0): LyCORIS's factorisation. */
export function factorize(dim: number, factor = -1): [number, number] {
  if (factor > 0 && dim % factor === 0) return [Math.min(factor, dim / factor), Math.max(factor, dim / factor)];
  const cap = factor > 0 ? factor : dim;
  let [m, n] = [1, dim];
  while (m < n) {
    let next = m + 1;
    while (dim % next !== 0) next++;
    if (next + dim / next > m + n || next > cap) break;
    [m, n] = [next, dim / next];
  }
  return m <= n ? [m, n] : [n, m];
}

/** C [a, b] ⊗ D [c, e] → [a·c, b·e]. */
export function kron(C: tf.Tensor, D: tf.Tensor): tf.Tensor2D {
  const [a, b] = C.shape as [number, number];
  const [c, e] = D.shape as [number, number];
  return tf.reshape(tf.mul(tf.reshape(C, [a, 1, b, 1]), tf.reshape(D, [1, c, 1, e])), [a * c, b * e]);
}

/** LoKr's layer: C (zero at init, so ΔW = 0) ⊗ a rank-r A B, or ⊗ a full D when rank r would not be smaller (as LyCORIS). */
export function lokrLayer(cfg: LokrConfig): DeltaKind {
  const s = cfg.alpha / cfg.r;
  return (linear, seed): DeltaParts => {
    const [inM, inN] = factorize(linear.dIn, cfg.decomposeFactor);
    const [outL, outK] = factorize(linear.dOut, cfg.decomposeFactor);
    const C = initVar(() => tf.zeros([inM, outL]));
    if (cfg.r >= Math.max(inN, outK) / 2) {
      const D = initVar(() => kaiming([inN, outK], inN, seed()));
      return { vars: { lokr_C: C, lokr_D: D }, delta: () => tf.tidy(() => tf.mul(kron(C, D), s) as tf.Tensor2D) };
    }
    const A = initVar(() => kaiming([inN, cfg.r], inN, seed()));
    const B = initVar(() => kaiming([cfg.r, outK], cfg.r, seed()));
    return { vars: { lokr_C: C, lokr_A: A, lokr_B: B }, delta: () => tf.tidy(() => tf.mul(kron(C, tf.matMul(A, B)), s) as tf.Tensor2D) };
  };
}

export const lokr = technique<LokrConfig>({
  id: 'lokr',
  name: 'LoKr',
  category: 'adapter',
  paper: { title: 'Navigating Text-To-Image Customization: From LyCORIS Fine-Tuning to Model Evaluation', year: 2023, arxiv: '2309.14859' },
  schema: lokrSchema,
  properties: { identityAtInit: true, changesBase: false },
  // Trained at LoRA's rates (LyCORIS and PEFT use LoRA's recipes), ~10× full fine-tuning's.
  lrMultiplier: 10,
  apply: deltaApply(lokrLayer),
});
