// LoRA-FA (Zhang et al., 2023): LoRA with A frozen at its random init and only B trained, so x·A need not be kept for A's gradient.
import { loraAdapter } from '../shared/delta-layer.js';
import { applied, withGroups } from '../shared/applied.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    r: z.number().int().positive().default(8),
    alpha: z.number().positive().default(8),
    dropout: z.number().min(0).max(0.9).default(0),
    // The paper's activation-memory argument covers every linear layer, and it adapts them all (attention and MLP).
    targets: z.string().default('layers.*.{attn,ffn}.*'),
  })
  .strict();
type Config = z.infer<typeof schema>;

export const loraFa = technique<Config>({
  id: 'lora-fa',
  name: 'LoRA-FA',
  category: 'training_method',
  paper: { title: 'LoRA-FA: Memory-efficient Low-rank Adaptation for Large Language Models Fine-tuning', year: 2023, arxiv: '2308.03303' },
  schema,
  properties: { identityAtInit: true, changesBase: false },
  lrMultiplier: 10, // the paper tunes LoRA-FA in LoRA's lr range
  apply(model, cfg, ctx) {
    const adapter = loraAdapter(model, model.find(cfg.targets), { r: cfg.r, scale: cfg.alpha / cfg.r, dropout: cfg.dropout, seed: ctx.seed });
    // A is saved (it is random and part of the model) but never updated: ΔW = s·A B lives in A's fixed column space.
    return applied(model, withGroups(adapter, () => [{ vars: adapter.layers.map((l) => l.vars.lora_B) }]));
  },
});
