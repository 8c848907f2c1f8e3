// PiSSA (Meng et al., 2024): LoRA whose A, B start as W's top-r singular triplets, training the principal part and freezing the residual.
import * as tf from '@tensorflow/tfjs';
import { deltaApply, scaled, type DeltaKind, type LoraVars } from '../shared/delta-layer.js';
import { svd } from '../shared/svd.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    r: z.number().int().positive().default(8),
    alpha: z.number().positive().default(8), // α = r (scale 1) as in the paper's runs; the init divides by s anyway
    // The paper adapts every linear layer of attention and the MLP.
    targets: z.string().default('layers.*.{attn,ffn}.*'),
  })
  .strict();
type Config = z.infer<typeof schema>;

/**
 * W = U S Vᵀ (W stored [d_in, d_out]); A = U_r √(S_r/s), B = √(S_r/s) V_rᵀ, so s·A B is W's best rank-r part.
 * Dividing by the scale s is what PEFT does, so α only rescales gradients, not the initial product.
 */
export function principalPair(W: tf.Tensor2D, r: number, scale: number): { A: tf.Tensor2D; B: tf.Tensor2D } {
  const { U, S, V } = svd(W, r);
  const root = tf.sqrt(tf.div(S, scale));
  const pair = { A: tf.mul(U, root) as tf.Tensor2D, B: tf.transpose(tf.mul(V, root)) as tf.Tensor2D };
  tf.dispose([U, S, V, root]);
  return pair;
}

/**
 * PiSSA's layer: A, B start as the principal pair and frozen copies A₀, B₀ are kept; x ↦ s·(x A B − x A₀ B₀).
 * With W untouched, x W + that equals the paper's x W_res + s·x A B (W_res = W − s·A₀B₀) in outputs and gradients.
 */
export function principalLayer(r: number, s: number): DeltaKind<LoraVars> {
  return (linear) => {
    const [A, B, A0, B0] = tf.tidy(() => {
      const p = principalPair(linear.weight as unknown as tf.Tensor2D, Math.min(r, linear.dIn, linear.dOut), s);
      return [tf.variable(p.A, true), tf.variable(p.B, true), tf.variable(p.A, false), tf.variable(p.B, false)];
    });
    return {
      vars: { lora_A: A, lora_B: B },
      frozen: { lora_A0: A0, lora_B0: B0 },
      delta: () => tf.tidy(() => tf.mul(tf.sub(tf.matMul(A, B), tf.matMul(A0, B0)), s) as tf.Tensor2D),
      apply: (x) => scaled(tf.sub(tf.matMul(tf.matMul(x, A), B), tf.matMul(tf.matMul(x, A0), B0)), s) as tf.Tensor2D,
    };
  };
}

export const pissa = technique<Config>({
  id: 'pissa',
  name: 'PiSSA',
  category: 'training_method',
  paper: { title: 'PiSSA: Principal Singular Values and Singular Vectors Adaptation of Large Language Models', year: 2024, arxiv: '2404.02948' },
  schema,
  // The paper replaces W by W_res = W − A₀B₀. We keep W untouched and compute x·W − s·x·A₀B₀ + s·x·A B inside the
  // hook (identical outputs and gradients), so disabling the hook restores the base exactly and W never changes;
  // merge() folds W_res + s·A B = W + s·(A B − A₀B₀) into W.
  properties: { identityAtInit: true, changesBase: false },
  // The paper trains PiSSA, LoRA and full fine-tuning at the same rate (2e-5): the principal components are already large.
  lrMultiplier: 1,
  apply: deltaApply((cfg: Config) => principalLayer(cfg.r, cfg.alpha / cfg.r)), // no dropout: the paper uses none on the principal part
});
