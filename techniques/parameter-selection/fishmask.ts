// FISH Mask (Sung et al., 2021): the empirical Fisher over a few batches picks the top-k% entries; only they train.
import { footprint } from '../shared/footprint.js';
import { fisherScores } from '../shared/fisher.js';
import { MaskDiff, maskDispose, maskFromState, maskGrads, maskTopK, maskableParams, type Masks } from '../shared/mask.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    // Share of backbone entries kept. The paper keeps 0.5% of BERT-large (~1.7M entries); the same share of our
    // 10^5–10^6-parameter bases is a few hundred to a few thousand entries, fewer than the task head has, so we keep
    // 2% (still sparse, and inside the 0.1–1% → full-FT-quality range the paper sweeps, scaled to model size).
    density: z.number().gt(0).max(1).default(0.02),
    // The paper estimates the Fisher on 1024 examples: 64 batches of the suites' 16.
    fisherBatches: z.number().int().positive().default(64),
  })
  .strict();
type Config = z.infer<typeof schema>;

export const fishmask = technique<Config>({
  id: 'fishmask',
  name: 'FISH Mask',
  category: 'parameter_selection',
  paper: { title: 'Training Neural Networks with Fixed Sparse Masks', year: 2021, arxiv: '2111.09839' },
  schema,
  properties: { identityAtInit: true, changesBase: true },
  // The paper trains the mask at full fine-tuning's learning rate.
  apply(model, cfg, ctx) {
    const named = maskableParams(model);
    const vars = named.map(([, v]) => v);
    const scores = fisherScores(vars, ctx, cfg.fisherBatches);
    const total = vars.reduce((n, v) => n + v.size, 0);
    let masks: Masks = maskTopK(scores, cfg.density * total);
    for (const s of scores.values()) s.dispose();
    let diff = new MaskDiff(named, masks);
    // Only variables holding a masked entry train; no weight decay, or masked-out entries would shrink too.
    const groups = () => [{ vars: vars.filter((v) => diff.covers(v)), weightDecay: 0 }];
    return {
      paramGroups: groups,
      transformGrads: (g) => maskGrads(g, masks),
      adapterState: () => diff.state(),
      loadAdapterState: (s) => {
        maskDispose(masks);
        diff.dispose();
        masks = maskFromState(named, s);
        diff = new MaskDiff(named, masks);
        diff.load(s);
      },
      footprint: () => footprint(model, groups(), [], { trainableParams: diff.size() }),
      metrics: () => ({ mask_share: diff.size() / total }),
      dispose: () => {
        maskDispose(masks);
        diff.dispose();
      },
    };
  },
});
