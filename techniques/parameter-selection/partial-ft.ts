// Partial fine-tuning (baseline): only the top k transformer blocks, whatever sits above them, and the task head train.
import { maskableParams, maskWhole } from '../shared/mask.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    // Top quarter of the blocks (at least one): Lee et al. (2019, arXiv 1911.03090) find fine-tuning only the
    // output quarter of BERT/RoBERTa keeps ~90% of full fine-tuning's quality; 1 of our 2–4 layers.
    fraction: z.number().gt(0).max(1).default(0.25),
    // An explicit k overrides the fraction.
    layers: z.number().int().positive().optional(),
  })
  .strict();
type Config = z.infer<typeof schema>;

export const partialFt = technique<Config>({
  id: 'partial-ft',
  name: 'Partial fine-tuning (top layers)',
  category: 'parameter_selection',
  paper: { title: 'Baseline: only the top k layers updated', year: 2019, arxiv: '1911.03090' },
  schema,
  properties: { identityAtInit: true, changesBase: true },
  apply(model, cfg) {
    const L = model.config.nLayers;
    const k = Math.min(L, cfg.layers ?? Math.max(1, Math.ceil(cfg.fraction * L)));
    const top = new Set(model.layerIndices().slice(L - k).map(String));
    // Blocks are `layers.N.*`; what is neither a block nor the embedding sits above them (the decoder's final norm).
    const named = maskableParams(model).filter(([n]) => {
      const [head, i] = n.split('.');
      return head === 'layers' ? top.has(i) : head !== 'embed';
    });
    return maskWhole(model, named);
  },
});
