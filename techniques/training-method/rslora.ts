// rsLoRA (Kalajdzievski, 2023): LoRA with the rank-stabilised scale α/√r, so higher ranks keep learning instead of collapsing.
import { deltaApply, loraKind } from '../shared/delta-layer.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    // The paper's gains show at large ranks (it sweeps r = 4…2048); r = 16 is a middle ground for our d ≤ 128 bases.
    r: z.number().int().positive().default(16),
    alpha: z.number().positive().default(8),
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.attn.{q,v}'),
  })
  .strict();
type Config = z.infer<typeof schema>;

/** γ_r = α/√r: the paper's Theorem 3.2 shows this is the scale that keeps activations and gradients Θ(1) in r. */
export const rsScale = (alpha: number, r: number) => alpha / Math.sqrt(r);

export const rslora = technique<Config>({
  id: 'rslora',
  name: 'rsLoRA',
  category: 'training_method',
  paper: { title: 'A Rank Stabilization Scaling Factor for Fine-Tuning with LoRA', year: 2023, arxiv: '2312.03732' },
  schema,
  properties: { identityAtInit: true, changesBase: false },
  lrMultiplier: 10, // same rates as LoRA: the paper changes only the scale
  apply: deltaApply((cfg: Config) => loraKind(cfg.r, rsScale(cfg.alpha, cfg.r))),
});
