// MoLoRA (Zadouri et al., 2023): a soft token-level mixture of LoRA experts per linear layer; B_e = 0, so identity at init.
import { technique, z } from '../shared/config.js';
import { LoraExperts } from './moe/lora-experts.js';
import { MoeRecorder } from './moe/recorder.js';
import { applied } from '../shared/applied.js';

const schema = z
  .object({
    experts: z.number().int().min(1).default(10), // MoLoRA-10, the paper's mid-size mixture
    r: z.number().int().positive().default(4), // the paper's LoRA experts have rank 4
    alpha: z.number().positive().default(4), // scale α/r = 1
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.{attn.*,ffn.*}'), // our reading of the paper: every attention and FFN projection
  })
  .strict();
type Config = z.infer<typeof schema>;

export const molora = technique<Config>({
  id: 'molora',
  name: 'MoLoRA',
  category: 'mixture_of_experts',
  paper: { title: 'Pushing Mixture of Experts to the Limit: Extremely Parameter Efficient MoE for Instruction Tuning', year: 2023, arxiv: '2309.05444' },
  schema,
  // Not mergeable: the mixing weights depend on the token, so Σ g_e A_e B_e is no fixed ΔW.
  properties: { identityAtInit: true, changesBase: false },
  lrMultiplier: 10, // parameter-efficient rates, as for LoRA
  apply(model, cfg, ctx) {
    const recorder = new MoeRecorder(model);
    const experts = new LoraExperts(model, cfg, ctx.seed, { experts: () => cfg.experts, topK: null }, recorder);
    return applied(model, experts, recorder);
  },
});
