// BitFit (Ben Zaken et al., 2021): only the bias terms of the backbone (and the new task head) are fine-tuned.
import { maskableParams, maskWhole } from '../shared/mask.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    // Every bias term, LayerNorm's β included: the paper's main setting (its b_q + b_m2 subset is a variant).
    targets: z.string().default('**.bias'),
  })
  .strict();
type Config = z.infer<typeof schema>;

export const bitfit = technique<Config>({
  id: 'bitfit',
  name: 'BitFit',
  category: 'parameter_selection',
  paper: { title: 'BitFit: Simple Parameter-efficient Fine-tuning for Transformer-based Masked Language-models', year: 2021, arxiv: '2106.10199' },
  schema,
  properties: { identityAtInit: true, changesBase: true },
  // The paper searches lr in [1e-4, 1e-3] for BitFit against ~2e-5 for full fine-tuning; 10× is the low end.
  lrMultiplier: 10,
  unsupported: (model) =>
    maskableParams(model, '**.bias').length === 0
      ? `BitFit trains only bias terms, and the ${model.family} family has none (its LLaMA-like layers are bias-free).`
      : null,
  apply(model, cfg) {
    const named = maskableParams(model, cfg.targets);
    if (named.length === 0) throw new Error('Invalid config for technique "bitfit": field "targets" matches no parameter of the model.');
    return maskWhole(model, named);
  },
});
