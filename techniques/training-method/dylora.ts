// DyLoRA (Valipour et al., 2022): LoRA trained at a random truncated rank b ≤ r each step, so every rank up to r works after training.
import * as tf from '@tensorflow/tfjs';
import { DeltaAdapter, loraKind, scaled, type DeltaKind, type LoraVars } from '../shared/delta-layer.js';
import { applied } from '../shared/applied.js';
import { technique, z } from '../shared/config.js';
import { Rng } from '../../core/rng.js';
import { disposeBatch } from '../../harness/train/batch.js';

const schema = z
  .object({
    r: z.number().int().positive().default(8), // r_max = 8 as in the paper's RoBERTa GLUE runs (ranks 1…8)
    alpha: z.number().positive().default(8),
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.attn.{q,v}'),
    /** Rank used outside training (and by merge); r when omitted. */
    evalRank: z.number().int().positive().optional(),
    /** Batches of the training split each metrics() rank is scored on. */
    metricBatches: z.number().int().positive().default(2),
  })
  .strict()
  .refine((c) => (c.evalRank ?? c.r) <= c.r, { message: 'must not exceed r', path: ['evalRank'] });
type Config = z.infer<typeof schema>;

/**
 * DyLoRA's layer: LoRA's pair applied at rank b = rank() as s · (r/b) · x A[:, :b] B[:b, :] — the paper's α/b scale on
 * the truncated update, with s = α/r. ΔW (for merge) is the full pair's.
 */
export function truncatedLayer(r: number, s: number, rank: () => number): DeltaKind<LoraVars> {
  return loraKind(r, s, {
    apply: (x, A, B) => {
      const b = rank();
      return scaled(tf.mul(tf.matMul(tf.matMul(x, tf.slice(A, [0, 0], [-1, b])), tf.slice(B, [0, 0], [b, -1])), r / b), s);
    },
  });
}

/** The ranks metrics() reports: powers of two below r, and r. */
function reportRanks(r: number): number[] {
  const out: number[] = [];
  for (let b = 1; b < r; b *= 2) out.push(b);
  return [...out, r];
}

export const dylora = technique<Config>({
  id: 'dylora',
  name: 'DyLoRA',
  category: 'training_method',
  paper: { title: 'DyLoRA: Parameter Efficient Tuning of Pre-trained Models using Dynamic Search-Free Low-Rank Adaptation', year: 2022, arxiv: '2210.07558' },
  schema,
  properties: { identityAtInit: true, changesBase: false },
  lrMultiplier: 10, // LoRA's rates: the paper tunes DyLoRA in LoRA's range
  apply(model, cfg, ctx) {
    const { r } = cfg;
    const rng = new Rng(ctx.seed + 17);
    // b ~ Uniform{1, …, r} (the paper's p_B), redrawn after every optimizer step.
    const draw = () => 1 + rng.int(r);
    let trainRank = draw();
    let evalRank = cfg.evalRank ?? r;
    const kind = truncatedLayer(r, cfg.alpha / r, () => (model.training ? trainRank : evalRank));
    const adapter = new DeltaAdapter(model, model.find(cfg.targets), kind, { dropout: cfg.dropout, seed: ctx.seed });
    const lora = applied(model, adapter);
    return {
      ...lora,
      merge: evalRank === r ? lora.merge : undefined, // the adapter merges the full pair
      onStep: () => {
        trainRank = draw();
      },
      /** Loss at several ranks on a few training batches: the point of DyLoRA is that every rank ≤ r is usable. */
      metrics() {
        const was = [model.training, evalRank] as const;
        model.training = false;
        const out: Record<string, number> = {};
        const batches = ctx.sampleBatches(cfg.metricBatches);
        try {
          for (const b of reportRanks(r)) {
            evalRank = b;
            let sum = 0;
            for (const batch of batches) {
              const loss = tf.tidy(() => ctx.loss(batch));
              sum += loss.dataSync()[0];
              loss.dispose();
            }
            out[`loss_at_rank_${b}`] = sum / batches.length;
          }
        } finally {
          [model.training, evalRank] = was;
          batches.forEach(disposeBatch);
        }
        return out;
      },
    };
  },
});
