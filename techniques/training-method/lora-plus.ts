// LoRA+ (Hayou et al., 2024): LoRA whose B matrices learn λ times faster than A, for efficient feature learning at width.
import { loraAdapter } from '../shared/delta-layer.js';
import { applied, withGroups } from '../shared/applied.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    r: z.number().int().positive().default(8), // LoRA's GLUE rank, so the comparison isolates the lr ratio
    alpha: z.number().positive().default(8),
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.attn.{q,v}'),
    lrRatio: z.number().positive().default(16), // λ = η_B/η_A; the paper's recommended default is 2⁴ (§4)
  })
  .strict();
type Config = z.infer<typeof schema>;

export const loraPlus = technique<Config>({
  id: 'lora-plus',
  name: 'LoRA+',
  category: 'training_method',
  paper: { title: 'LoRA+: Efficient Low Rank Adaptation of Large Models', year: 2024, arxiv: '2402.12354' },
  schema,
  properties: { identityAtInit: true, changesBase: false },
  // The rate here is η_A. The paper finds the best η_A with λ = 16 below plain LoRA's best rate; we take half of
  // LoRA's multiplier (10) so that B, at λ·η_A, stays in a stable range.
  lrMultiplier: 5,
  apply(model, cfg, ctx) {
    const adapter = loraAdapter(model, model.find(cfg.targets), { r: cfg.r, scale: cfg.alpha / cfg.r, dropout: cfg.dropout, seed: ctx.seed });
    return applied(
      model,
      withGroups(adapter, () => [
        { vars: adapter.layers.map((l) => l.vars.lora_A) },
        { vars: adapter.layers.map((l) => l.vars.lora_B), lrScale: cfg.lrRatio },
      ]),
    );
  },
});
