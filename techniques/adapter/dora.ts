// DoRA (Liu et al., 2024): W' = m ⊙ (W + s·A B) / ‖W + s·A B‖_c — a trainable magnitude m times a LoRA-updated direction; mergeable.
import * as tf from '@tensorflow/tfjs';
import { deltaApply, initA, initVar, type DeltaKind } from '../shared/delta-layer.js';
import { technique, z } from '../shared/config.js';

export const doraSchema = z
  .object({
    r: z.number().int().positive().default(16), // DoRA† (half LoRA's rank) in the paper's commonsense setup
    alpha: z.number().positive().default(32), // α = 2r there
    dropout: z.number().min(0).max(0.9).default(0.05), // the paper's commonsense setting
    targets: z.string().default('layers.*.{attn.{q,k,v},ffn.{up,down}}'), // the paper adapts Q, K, V, Up, Down
  })
  .strict();
export type DoraConfig = z.infer<typeof doraSchema>;

/** ‖W‖_c: the norm of each column of W [d_in, d_out] over d_in — one per output unit, as the paper's column-wise norm. */
export function columnNorm(w: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(w), 0)) as tf.Tensor1D);
}

/** Identity forward, zero gradient: the paper (§4.3) treats ‖W + ΔW‖_c as a constant in backprop to save memory. */
const detach = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** DoRA's layer: ΔW = W' − W = (m / ‖V‖_c) ⊙ V − W with V = W + s·A B, m = ‖W‖_c at init (so W' = W). */
export function doraLayer(cfg: DoraConfig): DeltaKind {
  const s = cfg.alpha / cfg.r;
  return (linear, seed) => {
    const W = linear.weight as tf.Variable<tf.Rank.R2>;
    const A = initVar(() => initA(linear.dIn, cfg.r, seed()));
    const B = initVar(() => tf.zeros([cfg.r, linear.dOut]));
    const magnitude = initVar(() => columnNorm(W));
    return {
      vars: { lora_A: A, lora_B: B, magnitude },
      delta: () =>
        tf.tidy(() => {
          const V = tf.add(W, tf.mul(tf.matMul(A, B), s)) as tf.Tensor2D;
          const scale = tf.div(magnitude, detach(columnNorm(V)));
          return tf.sub(tf.mul(V, scale), W) as tf.Tensor2D;
        }),
    };
  };
}

export const dora = technique<DoraConfig>({
  id: 'dora',
  name: 'DoRA',
  category: 'adapter',
  paper: { title: 'DoRA: Weight-Decomposed Low-Rank Adaptation', year: 2024, arxiv: '2402.09353' },
  schema: doraSchema,
  properties: { identityAtInit: true, changesBase: false },
  // The paper trains at LoRA's learning rates (1e-4 to 2e-4 on LLaMA), ~10× full fine-tuning's.
  lrMultiplier: 10,
  apply: deltaApply(doraLayer),
});
