// LoRA (Hu et al., 2021): frozen W plus a trainable low-rank update (α/r)·A B, B = 0 at init; mergeable.
import { deltaApply, loraKind } from '../shared/delta-layer.js';
import { technique, z } from '../shared/config.js';

export const loraSchema = z
  .object({
    r: z.number().int().positive().default(8), // paper's GLUE setting for RoBERTa
    alpha: z.number().positive().default(8), // α = r in the paper's RoBERTa runs: scale 1
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.attn.{q,v}'), // the paper adapts W_q and W_v
  })
  .strict();
export type LoraConfig = z.infer<typeof loraSchema>;

export const lora = technique<LoraConfig>({
  id: 'lora',
  name: 'LoRA',
  category: 'adapter',
  paper: { title: 'LoRA: Low-Rank Adaptation of Large Language Models', year: 2021, arxiv: '2106.09685' },
  schema: loraSchema,
  properties: { identityAtInit: true, changesBase: false },
  // The paper fine-tunes RoBERTa-base with LoRA at lr 5e-4 against ~5e-5 for full fine-tuning.
  lrMultiplier: 10,
  apply: deltaApply((cfg: LoraConfig) => loraKind(cfg.r, cfg.alpha / cfg.r)), // y = x W + b + (α/r · x A) B
});
