// LayerNorm tuning (Zhao et al., 2023): only the normalisation layers' gains and biases (and the task head) train.
import { maskableParams, maskWhole } from '../shared/mask.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    // Every LayerNorm/RMSNorm gain (and bias where the family has one): embedding, per-block and final norms.
    targets: z.string().default('**norm.{weight,bias}'),
  })
  .strict();
type Config = z.infer<typeof schema>;

export const lnTuning = technique<Config>({
  id: 'ln-tuning',
  name: 'LayerNorm tuning',
  category: 'parameter_selection',
  paper: { title: 'Tuning LayerNorm in Attention: Towards Efficient Multi-Modal LLM Finetuning', year: 2023, arxiv: '2312.11420' },
  schema,
  properties: { identityAtInit: true, changesBase: true },
  // Like BitFit, a few thousand entries starting from trained values: a larger rate than full fine-tuning's (our choice).
  lrMultiplier: 10,
  apply(model, cfg) {
    const named = maskableParams(model, cfg.targets);
    if (named.length === 0) throw new Error('Invalid config for technique "ln-tuning": field "targets" matches no parameter of the model.');
    return maskWhole(model, named);
  },
});
