// Child-Tuning (Xu et al., 2021): each step updates only a child network — a fresh Bernoulli(p) mask with gradients
// scaled by 1/p (task-free), or a fixed mask of the top-p Fisher entries (task-driven).
import * as tf from '@tensorflow/tfjs';
import { SeedStream } from '../../harness/model/module.js';
import { footprint, sizeOf } from '../shared/footprint.js';
import { fisherScores } from '../shared/fisher.js';
import { MaskDiff, maskDispose, maskFromState, maskGrads, maskTopK, maskableParams, type Masks } from '../shared/mask.js';
import { technique, z } from '../shared/config.js';
import { cloneNamed, loadNamed } from '../shared/state.js';

const schema = z
  .object({
    // The paper's better variant (Child-Tuning_D) is the default.
    mode: z.enum(['task-free', 'task-driven']).default('task-driven'),
    // Reserve share p_F / p_D: the child network's share of the target entries; the paper searches small values
    // (around 0.1–0.4), 0.3 sits in that range.
    p: z.number().gt(0).max(1).default(0.3),
    // The reference code scores and masks only the encoder blocks ('layer' in the name); embeddings and final norms
    // train densely, the task head always.
    targets: z.string().default('layers.**'),
    // Task-driven: the reference code sweeps the training set once for the Fisher; 64 batches ≈ 1024 examples here.
    fisherBatches: z.number().int().positive().default(64),
  })
  .strict();
type Config = z.infer<typeof schema>;

export const childTuning = technique<Config>({
  id: 'child-tuning',
  name: 'Child-Tuning',
  category: 'parameter_selection',
  paper: { title: 'Raise a Child in Large Language Model: Towards Effective and Generalizable Fine-tuning', year: 2021, arxiv: '2109.05687' },
  schema,
  properties: { identityAtInit: true, changesBase: true },
  apply(model, cfg, ctx) {
    const named = maskableParams(model);
    const inTargets = new Set(maskableParams(model, cfg.targets).map(([, v]) => v));
    const targets = named.filter(([, v]) => inTargets.has(v));
    const dense = named.filter(([, v]) => !inTargets.has(v));
    if (targets.length === 0) throw new Error('Invalid config for technique "child-tuning": field "targets" matches no parameter of the model.');
    const targetSize = sizeOf(targets.map(([, v]) => v));

    if (cfg.mode === 'task-free') {
      const seeds = new SeedStream(ctx.seed + 4099);
      const groups = () => [{ vars: named.map(([, v]) => v) }];
      // Every weight but the task head (the harness saves that), as full fine-tuning saves them.
      const weights = model.named().filter(([n]) => !n.startsWith('head.'));
      return {
        paramGroups: groups,
        // g ⊙ Bernoulli(p) / p, resampled every step: an unbiased gradient of which only a p share reaches the update.
        transformGrads: (g) => {
          const masks: Masks = new Map(
            targets.filter(([, v]) => g.has(v)).map(([, v]) => [v, tf.tidy(() => tf.cast(tf.less(tf.randomUniform(v.shape, 0, 1, 'float32', seeds.next()), cfg.p), 'float32'))]),
          );
          const out = maskGrads(g, masks, 1 / cfg.p);
          maskDispose(masks);
          return out;
        },
        adapterState: () => cloneNamed(weights),
        loadAdapterState: (s) => loadNamed(weights, s),
        // Every entry can move over the run (a new child each step).
        footprint: () => footprint(model, groups()),
        dispose: () => {},
      };
    }

    const scores = fisherScores(targets.map(([, v]) => v), ctx, cfg.fisherBatches);
    let masks = maskTopK(scores, cfg.p * targetSize);
    tf.dispose([...scores.values()]);
    let diff = new MaskDiff(targets, masks);
    // No weight decay on masked tensors: it would move entries outside the child network.
    const groups = () => [{ vars: targets.map(([, v]) => v).filter((v) => diff.covers(v)), weightDecay: 0 }, { vars: dense.map(([, v]) => v) }];
    return {
      paramGroups: groups,
      transformGrads: (g) => maskGrads(g, masks),
      adapterState: () => ({ ...diff.state(), ...cloneNamed(dense) }),
      loadAdapterState: (s) => {
        loadNamed(dense, s);
        maskDispose(masks);
        diff.dispose();
        masks = maskFromState(targets, s);
        diff = new MaskDiff(targets, masks);
        diff.load(s);
      },
      footprint: () => footprint(model, groups(), [], { trainableParams: diff.size() + sizeOf(dense.map(([, v]) => v)) }),
      metrics: () => ({ child_share: diff.size() / targetSize }),
      dispose: () => {
        maskDispose(masks);
        diff.dispose();
      },
    };
  },
});
