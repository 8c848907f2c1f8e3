// QA-LoRA (Xu et al., 2023): group-wise INT-k base; LoRA sees the input average-pooled per group, so merging only moves the zero points.
import * as tf from '@tensorflow/tfjs';
import { type Linear, SeedStream, dense } from '../../harness/model/module.js';
import { footprint } from '../shared/footprint.js';
import { initA } from '../shared/delta-layer.js';
import { technique, z } from '../shared/config.js';
import { IntKWeight } from './quant/packed-weight.js';
import { BLOCK_LINEARS, QuantizedBase, weightValues } from './quant/quantized-base.js';
import { cloneNamed, loadNamed, type Named } from '../shared/state.js';

export const qaloraSchema = z
  .object({
    bits: z.union([z.literal(2), z.literal(3), z.literal(4)]).default(4), // the paper's INT4 (INT3 and INT2 also reported)
    group: z.number().int().positive().default(32), // the paper's default group size (ablated 32–128); smaller on narrow layers, see groupFor
    r: z.number().int().positive().default(8), // QA-LoRA follows QLoRA's setup; r hardly matters there (QLoRA §4)
    alpha: z.number().positive().default(2), // QLoRA's scale α/r = 16/64 = 0.25 at our r = 8
    dropout: z.number().min(0).max(0.9).default(0.1), // QLoRA's 0.1
    targets: z.string().default(BLOCK_LINEARS), // every quantized linear carries its own adapter: the merge needs the pair
  })
  .strict();
export type QaloraConfig = z.infer<typeof qaloraSchema>;

/**
 * Narrow layers keep at least this many groups: with one group the adapter's input is mean(x), which is ≈ 0 after
 * a LayerNorm, and the adapter learns nothing (the paper's 4096-wide layers have 128 groups of 32).
 */
export const MIN_GROUPS = 4;

/** The group size used on a layer: the largest divisor of d_in that is ≤ the configured size and leaves MIN_GROUPS groups. */
export function groupFor(dIn: number, group: number): number {
  for (let g = Math.min(group, Math.floor(dIn / MIN_GROUPS)); g > 1; g--) if (dIn % g === 0) return g;
  return 1;
}

interface Pair {
  linear: Linear;
  weight: IntKWeight;
  g: number; // rows of d_in per group
  A: tf.Variable; // [d_in / g, r]
  B: tf.Variable; // [r, d_out]
}

export const qalora = technique<QaloraConfig>({
  id: 'qalora',
  name: 'QA-LoRA',
  category: 'quantization',
  paper: { title: 'QA-LoRA: Quantization-Aware Low-Rank Adaptation of Large Language Models', year: 2023, arxiv: '2309.14717' },
  schema: qaloraSchema,
  // Quantizing changes outputs at init; the fp32 weights stay untouched (kept for the disable path, see quantized-base.ts).
  properties: { identityAtInit: false, changesBase: false },
  // No LoRA-sized multiplier: at ×10 the pooled adapter oscillated on the tiny task in our runs, at ×1 the loss fell
  // steadily. TODO: compare with the learning rates of the paper's setup (§4.1).
  lrMultiplier: 1,
  apply(model, cfg, ctx) {
    const scale = cfg.alpha / cfg.r;
    const seeds = new SeedStream(ctx.seed + 7919);
    const dropSeeds = new SeedStream(ctx.seed + 104729);
    const pairs = new Map<string, Pair>();
    let merged = false;
    // W̃ = s·(q − z) per group of g input rows and output column (asymmetric min-max, QA-LoRA Eq. 1–2).
    const quantize = (l: Linear) => new IntKWeight(weightValues(l), l.dIn, l.dOut, { bits: cfg.bits, group: groupFor(l.dIn, cfg.group), symmetric: false });
    const base = new QuantizedBase(model, model.find(cfg.targets), quantize, (x, { linear, weight }) => {
      const y = dense(x, weight.dequantize(), linear.bias);
      if (merged) return y;
      const p = pairs.get(linear.name)!;
      const xd = model.training && cfg.dropout > 0 ? tf.dropout(x, cfg.dropout, undefined, dropSeeds.next()) : x;
      // Average-pool the input over each group of g rows: [N, d_in] → [N, d_in/g], the only input the adapter sees.
      const pooled = tf.mean(tf.reshape(xd, [-1, linear.dIn / p.g, p.g]), 2);
      return tf.add(y, tf.reshape(tf.mul(tf.matMul(tf.matMul(pooled, p.A), p.B), scale), y.shape));
    });
    for (const { linear, weight } of base.layers) {
      const g = groupFor(linear.dIn, cfg.group);
      const seed = seeds.next();
      pairs.set(linear.name, {
        linear,
        weight: weight as IntKWeight,
        g,
        A: tf.tidy(() => tf.variable(initA(linear.dIn / g, cfg.r, seed), true)),
        B: tf.tidy(() => tf.variable(tf.zeros([cfg.r, linear.dOut]), true)),
      });
    }
    const vars = () => [...pairs.values()].flatMap((p) => [p.A, p.B]);
    const groups = () => [{ vars: vars() }];
    const named = (): Named => [...pairs.values()].flatMap((p): Named => [[`${p.linear.name}.qalora_A`, p.A], [`${p.linear.name}.qalora_B`, p.B]]);
    return {
      paramGroups: groups,
      /**
       * x·W̃ + s·pool(x)·A B = Σ_t Σ_{i∈t} x_i (W̃_ij + s(AB)_tj / g): each group's column gets a constant δ_tj =
       * s(AB)_tj / g, which the zero point absorbs, z' = z − δ/s_q. The codes stay, so the merged weight is on the INT-k grid.
       */
      merge: () => {
        if (merged) return;
        for (const p of pairs.values()) {
          const delta = tf.tidy(() => tf.div(tf.mul(tf.matMul(p.A, p.B), scale), p.g));
          p.weight.shiftZeros(delta.dataSync());
          delta.dispose();
        }
        merged = true;
      },
      adapterState: () => cloneNamed(named()),
      loadAdapterState: (s) => loadNamed(named(), s),
      footprint: () => footprint(model, groups(), vars(), { baseBytes: base.baseBytes() }),
      metrics: () => base.metrics(),
      dispose: () => {
        base.dispose();
        tf.dispose(vars());
      },
    };
  },
});
