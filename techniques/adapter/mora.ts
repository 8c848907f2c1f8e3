// MoRA (Jiang et al., 2024): a square r̂×r̂ trainable M between a non-parametric compressor and decompressor: high-rank ΔW at LoRA's parameter count; mergeable.
import * as tf from '@tensorflow/tfjs';
import type { Linear } from '../../harness/model/module.js';
import { deltaApply, initVar, type DeltaKind } from '../shared/delta-layer.js';
import { technique, z } from '../shared/config.js';

export const moraSchema = z
  .object({
    r: z.number().int().positive().default(8), // the LoRA rank whose parameter count r·(d_in + d_out) MoRA matches
    // The paper's operators: 'sharing' (sum groups of inputs, repeat outputs; eq. 6) for large r, 'rotation' (RoPE-like
    // rotation of each input chunk before M, block-wise output; eq. 9) for small r like the default 8.
    compress: z.enum(['sharing', 'rotation']).default('rotation'),
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.attn.{q,v}'), // LoRA's targets, so the two compare at equal parameters
  })
  .strict();
export type MoraConfig = z.infer<typeof moraSchema>;

/** r̂ with r̂² ≈ r·(d_in + d_out); even for rotation, which pairs dimensions. */
export function moraRank(dIn: number, dOut: number, r: number, compress: MoraConfig['compress']): number {
  const rh = Math.floor(Math.sqrt((dIn + dOut) * r) + 0.5);
  return compress === 'rotation' ? Math.max(2, rh - (rh % 2)) : rh;
}

/** x [N, d_in] ↦ x ΔW [N, d_out] = decompress(compress(x) M): the paper's operators around the square matrix. */
function moraOperator(linear: Linear, M: tf.Variable, rh: number, compress: MoraConfig['compress']): ((x: tf.Tensor2D) => tf.Tensor2D) & { constants: tf.Tensor[] } {
  const { dIn, dOut } = linear;
  const chunks = Math.ceil(dIn / rh);
  // Inputs padded cyclically to chunks·r̂ (the reference pads with the first entries), outputs repeated cyclically.
  const inIdx = tf.tensor1d(Array.from({ length: chunks * rh }, (_, j) => j % dIn), 'int32');
  const outLen = compress === 'sharing' ? rh : chunks * rh;
  const outIdx = tf.tensor1d(Array.from({ length: dOut }, (_, j) => j % outLen), 'int32');
  // Rotation of chunk i by angles i·θ_k, θ_k = 10000^(−2k/r̂), k < r̂/2 (RoPE's frequencies), halves paired.
  const [cos, sin] = tf.tidy(() => {
    const half = Array.from({ length: rh / 2 }, (_, k) => 10000 ** ((-2 * k) / rh));
    const ang = tf.tensor2d(Array.from({ length: chunks }, (_, i) => [...half, ...half].map((f) => i * f)));
    return [tf.keep(tf.cos(ang)), tf.keep(tf.sin(ang))]; // [chunks, r̂]
  });
  const constants = [inIdx, outIdx, cos, sin];
  const op = (x: tf.Tensor2D): tf.Tensor2D => {
    const n = x.shape[0];
    const xc = tf.reshape(tf.gather(x, inIdx, 1), [n, chunks, rh]); // [N, chunks, r̂]
    let out: tf.Tensor;
    if (compress === 'sharing') {
      out = tf.matMul(tf.sum(xc, 1) as tf.Tensor2D, M as tf.Variable<tf.Rank.R2>); // [N, r̂]
    } else {
      const rotHalf = tf.concat([tf.neg(tf.slice(xc, [0, 0, rh / 2], [n, chunks, rh / 2])), tf.slice(xc, [0, 0, 0], [n, chunks, rh / 2])], 2);
      const xr = tf.add(tf.mul(xc, cos), tf.mul(rotHalf, sin));
      out = tf.reshape(tf.matMul(tf.reshape(xr, [n * chunks, rh]), M), [n, chunks * rh]); // block-wise: every chunk through M
    }
    return tf.gather(out, outIdx, 1) as tf.Tensor2D;
  };
  return Object.assign(op, { constants });
}

/** MoRA's layer: M = 0 (ΔW = 0 at init) between the operators; ΔW, for merge, is the operator's image of the identity. */
export function moraLayer(cfg: MoraConfig): DeltaKind {
  return (linear) => {
    const rh = moraRank(linear.dIn, linear.dOut, cfg.r, cfg.compress);
    const M = initVar(() => tf.zeros([rh, rh]));
    const op = moraOperator(linear, M, rh, cfg.compress);
    return {
      vars: { mora_M: M },
      apply: op,
      delta: () => tf.tidy(() => op(tf.eye(linear.dIn) as tf.Tensor2D)), // the operator is linear in x
      dispose: () => tf.dispose(op.constants),
    };
  };
}

export const mora = technique<MoraConfig>({
  id: 'mora',
  name: 'MoRA',
  category: 'adapter',
  paper: { title: 'MoRA: High-Rank Updating for Parameter-Efficient Fine-Tuning', year: 2024, arxiv: '2405.12130' },
  schema: moraSchema,
  properties: { identityAtInit: true, changesBase: false },
  // The paper trains MoRA at LoRA's learning rates, ~10× full fine-tuning's.
  lrMultiplier: 10,
  apply: deltaApply(moraLayer),
});
