// LoftQ (Li et al., 2023): quantize W − AB and refit (A, B) to the residual, alternately, so Q + s·AB ≈ W when fine-tuning starts.
import * as tf from '@tensorflow/tfjs';
import { technique, z } from '../shared/config.js';
import { svdArrays } from '../shared/svd.js';
import { type PackedWeight, type QuantFormat, packWeight } from './quant/packed-weight.js';
import { BLOCK_LINEARS, QuantizedBase, weightValues } from './quant/quantized-base.js';
import { quantLora } from './quant/lora.js';
import { applied } from '../shared/applied.js';

export const loftqSchema = z
  .object({
    r: z.number().int().positive().default(8), // the rank the LoRA pairs are fitted at (and trained at)
    alpha: z.number().positive().default(2), // QLoRA's scale α/r = 0.25, whose NF4 setting LoftQ builds on
    dropout: z.number().min(0).max(0.9).default(0.1),
    iterations: z.number().int().positive().default(5), // alternating steps T: the paper's ablation gains most within the first ~5
    format: z.enum(['nf4', 'int4', 'int2']).default('nf4'), // the paper's NF4 (as QLoRA) and uniform 4- and 2-bit
    block: z.number().int().positive().default(64), // NF4 block / INT group size (must divide d_in), as QLoRA
    targets: z.string().default(BLOCK_LINEARS), // LoftQ quantizes and adapts every linear of the blocks
  })
  .strict();
export type LoftqConfig = z.infer<typeof loftqSchema>;

export interface LoftqInit {
  weight: PackedWeight; // Q_T, packed
  L: Float32Array; // [d_in, r]: U·√S
  R: Float32Array; // [r, d_out]: √S·Vᵀ, so L R is the rank-r SVD of W − Q_T
  /** ‖W − (Q_t + L_t R_t)‖_F after each alternating step t = 1..T. */
  errors: number[];
}

function frobenius(a: ArrayLike<number>, b: ArrayLike<number>, c?: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i] - (c ? c[i] : 0);
    s += d * d;
  }
  return Math.sqrt(s);
}

/** LoftQ's Algorithm 1 for one weight W [d_in, d_out]: starting from A B = 0, T times Q ← quant(W − L R), (L, R) ← SVD_r(W − Q). */
export function loftqInit(w: Float32Array, dIn: number, dOut: number, format: QuantFormat, r: number, iterations: number): LoftqInit {
  const rank = Math.min(r, dIn, dOut);
  const L = new Float32Array(dIn * r);
  const R = new Float32Array(r * dOut);
  const LR = new Float32Array(dIn * dOut);
  const errors: number[] = [];
  let weight: PackedWeight | null = null;
  for (let t = 0; t < iterations; t++) {
    weight = packWeight(w.map((x, i) => x - LR[i]), dIn, dOut, format);
    const q = weight.values();
    const res = svdArrays(w.map((x, i) => x - q[i]), dIn, dOut, rank);
    L.fill(0);
    R.fill(0);
    for (let k = 0; k < rank; k++) {
      const s = Math.sqrt(res.S[k]);
      for (let i = 0; i < dIn; i++) L[i * r + k] = res.U[k][i] * s;
      for (let j = 0; j < dOut; j++) R[k * dOut + j] = res.V[k][j] * s;
    }
    for (let i = 0; i < dIn; i++) {
      for (let j = 0; j < dOut; j++) {
        let v = 0;
        for (let k = 0; k < rank; k++) v += L[i * r + k] * R[k * dOut + j];
        LR[i * dOut + j] = v;
      }
    }
    errors.push(frobenius(w, q, LR));
  }
  return { weight: weight!, L, R, errors };
}

export function loftqFormat(cfg: LoftqConfig): QuantFormat {
  if (cfg.format === 'nf4') return { kind: 'nf4', block: cfg.block, doubleQuant: true };
  return { kind: 'int', bits: cfg.format === 'int4' ? 4 : 2, group: cfg.block, symmetric: false };
}

export const loftq = technique<LoftqConfig>({
  id: 'loftq',
  name: 'LoftQ',
  category: 'quantization',
  paper: { title: 'LoftQ: LoRA-Fine-Tuning-Aware Quantization for Large Language Models', year: 2023, arxiv: '2310.08659' },
  schema: loftqSchema,
  // Q + s·AB only approximates W, so outputs change at init; the fp32 weights stay untouched (see quantized-base.ts).
  properties: { identityAtInit: false, changesBase: false },
  lrMultiplier: 10, // LoRA's multiplier: LoftQ fine-tunes its adapters at LoRA-sized rates
  apply(model, cfg, ctx) {
    const format = loftqFormat(cfg);
    const scale = cfg.alpha / cfg.r;
    const linears = model.find(cfg.targets);
    const inits = new Map(linears.map((l) => [l.name, loftqInit(weightValues(l), l.dIn, l.dOut, format, cfg.r, cfg.iterations)]));
    const base = new QuantizedBase(model, linears, (l) => inits.get(l.name)!.weight);
    // s·A B = L R: A = U√S, B = √S Vᵀ / s.
    const init = (l: { name: string; dIn: number; dOut: number }) => {
      const it = inits.get(l.name)!;
      return { A: tf.tensor2d(it.L, [l.dIn, cfg.r]), B: tf.div(tf.tensor2d(it.R, [cfg.r, l.dOut]), scale) as tf.Tensor2D };
    };
    const adapter = quantLora(model, linears, { r: cfg.r, scale, dropout: cfg.dropout, seed: ctx.seed, init });
    const initError = Math.hypot(...[...inits.values()].map((i) => i.errors[i.errors.length - 1]));
    const weightNorm = Math.hypot(...linears.map((l) => frobenius(weightValues(l), new Float32Array(l.weight.size))));
    const initMetrics = { metrics: () => ({ 'loftq.init_rel_error': initError / weightNorm }), dispose: () => {} };
    return applied(model, adapter, base, initMetrics);
  },
});
