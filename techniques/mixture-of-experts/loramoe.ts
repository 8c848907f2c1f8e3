// LoRAMoE (Dou et al., 2023): soft mixtures of LoRA experts in the FFN, with the localised balancing constraint.
import * as tf from '@tensorflow/tfjs';
import { applied } from '../shared/applied.js';
import { technique, z } from '../shared/config.js';
import { LoraExperts } from './moe/lora-experts.js';
import { MoeRecorder } from './moe/recorder.js';
import { localisedBalance } from './moe/balance.js';

const schema = z
  .object({
    experts: z.number().int().min(2).default(6), // the paper's 6 experts per FFN linear
    r: z.number().int().positive().default(4), // rank 4 (paper and reference script)
    alpha: z.number().positive().default(32), // lora_alpha 32 in the reference script
    dropout: z.number().min(0).max(0.9).default(0.05), // reference script
    targets: z.string().default('layers.*.ffn.*'), // the FFN's linears (gate, up, down), as the reference trains
    delta: z.number().min(0).max(1).default(0.1), // δ ("blc_alpha"): how far the two expert groups may differ
    beta: z.number().min(0).default(0.1), // β ("blc_weight"): strength of the constraint in the loss
    // Which group this task's samples belong to: LoRAMoE splits experts into world-knowledge and downstream-task ones.
    sampleType: z.enum(['downstream', 'knowledge']).default('downstream'),
  })
  .strict();
type Config = z.infer<typeof schema>;

export const loramoe = technique<Config>({
  id: 'loramoe',
  name: 'LoRAMoE',
  category: 'mixture_of_experts',
  paper: { title: 'LoRAMoE: Alleviate World Knowledge Forgetting in Large Language Models via MoE-Style Plugin', year: 2023, arxiv: '2312.09979' },
  schema,
  // Not mergeable: token-dependent mixing weights.
  properties: { identityAtInit: true, changesBase: false },
  lrMultiplier: 10, // reference script: 2e-4, a LoRA-like rate
  apply(model, cfg, ctx) {
    // The reference adds every module's constraint to the loss: β · Σ_modules cv²(I ⊙ Q).
    const recorder = new MoeRecorder(model, { coef: cfg.beta, reduce: 'sum' });
    const group = cfg.sampleType === 'downstream' ? 1 : 0;
    const experts = new LoraExperts(model, cfg, ctx.seed, {
      experts: () => cfg.experts,
      topK: null,
      balance: cfg.beta > 0 ? (routed, x, rec) => {
        // Importance is summed per sample: [B, S, E] when the input is laid out by sequence, else one sample.
        const [B, S] = x.rank >= 3 ? [x.shape[0]!, x.shape[1]!] : [1, routed.gates.shape[0]];
        return localisedBalance(tf.reshape(routed.gates, [B, S, cfg.experts]) as tf.Tensor3D, rec.maskFor(x), cfg.delta, group);
      } : undefined,
    }, recorder);
    return applied(model, experts, recorder);
  },
});
