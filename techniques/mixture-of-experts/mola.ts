// MoLA (Gao et al., 2024): top-k mixtures of LoRA experts whose number grows with depth (more experts in higher layers).
import * as tf from '@tensorflow/tfjs';
import { applied } from '../shared/applied.js';
import { technique, z } from '../shared/config.js';
import { LoraExperts } from './moe/lora-experts.js';
import { MoeRecorder } from './moe/recorder.js';
import { switchBalance } from './moe/balance.js';

const schema = z
  .object({
    // Experts per group of consecutive layers, bottom to top: the paper's best allocation, MoLA-▽ "2-4-6-8"
    // (its 32 layers in four groups of eight). The groups are spread evenly over the model's layers.
    allocation: z.array(z.number().int().min(1)).min(1).default([2, 4, 6, 8]),
    topK: z.number().int().min(1).default(2), // top-2 routing
    r: z.number().int().positive().default(8), // rank 8, α 16
    alpha: z.number().positive().default(16),
    dropout: z.number().min(0).max(0.9).default(0.05),
    targets: z.string().default('layers.*.{attn.*,ffn.*}'), // every projection of the block (q, k, v, o, gate, up, down)
    // Switch-style balancing as in the sparse LoRA-MoE work MoLA builds on; 0 turns it off.
    auxCoef: z.number().min(0).default(0.01),
  })
  .strict();
type Config = z.infer<typeof schema>;

/** Layer i of L takes the allocation group ⌊i·G/L⌋: contiguous, equal groups when G divides L (2-4-6-8 → 2,2,4,4,6,6,8,8 for 8 layers). */
export function expertsPerLayer(allocation: number[], nLayers: number): number[] {
  const G = allocation.length;
  return Array.from({ length: nLayers }, (_, i) => allocation[Math.floor((i * G) / nLayers)]);
}

export const mola = technique<Config>({
  id: 'mola',
  name: 'MoLA',
  category: 'mixture_of_experts',
  paper: { title: 'Higher Layers Need More LoRA Experts', year: 2024, arxiv: '2402.08562' },
  schema,
  // Not mergeable: token-dependent expert choice.
  properties: { identityAtInit: true, changesBase: false },
  lrMultiplier: 10, // LoRA-like rates
  apply(model, cfg, ctx) {
    // Mean over layers of E · Σ f_i P_i (as Mixtral's loss over all layers' router logits), times the coefficient.
    const recorder = new MoeRecorder(model, { coef: cfg.auxCoef, reduce: 'mean' });
    const counts = expertsPerLayer(cfg.allocation, model.config.nLayers);
    const experts = new LoraExperts(model, cfg, ctx.seed, {
      experts: (layer) => counts[layer],
      topK: cfg.topK,
      balance: cfg.auxCoef > 0 ? (routed, x, rec) => {
        const m = rec.maskFor(x);
        return switchBalance(routed.probs, routed.dispatch!, m && (tf.reshape(m, [-1]) as tf.Tensor1D));
      } : undefined,
    }, recorder);
    return applied(model, experts, recorder);
  },
});
