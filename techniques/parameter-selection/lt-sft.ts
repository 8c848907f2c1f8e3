// LT-SFT (Ansell et al., 2021): fine-tune fully, keep the k entries that moved most, reset to the base, re-train only those.
import * as tf from '@tensorflow/tfjs';
import { footprint, sizeOf } from '../shared/footprint.js';
import { MaskDiff, maskDispose, maskFromState, maskGrads, maskTopK, maskableParams, type Masks } from '../shared/mask.js';
import { technique, z } from '../shared/config.js';
import { cloneNamed, loadNamed } from '../shared/state.js';

const schema = z
  .object({
    // K as a share of the backbone: the paper's task SFTs keep K ≈ 14.2M of XLM-R base's ~270M entries (~5%).
    density: z.number().gt(0).max(1).default(0.05),
    // Phase 1 (dense) takes this share of the steps, phase 2 (sparse) the rest: the paper trains both phases equally long.
    phase1: z.number().gt(0).lt(1).default(0.5),
  })
  .strict();
type Config = z.infer<typeof schema>;

export const ltSft = technique<Config>({
  id: 'lt-sft',
  name: 'Lottery Ticket Sparse Fine-Tuning',
  category: 'parameter_selection',
  paper: { title: 'Composable Sparse Fine-Tuning for Cross-Lingual Transfer', year: 2021, arxiv: '2110.07560' },
  schema,
  properties: { identityAtInit: true, changesBase: true },
  apply(model, cfg, ctx) {
    const named = maskableParams(model);
    const vars = named.map(([, v]) => v);
    const total = sizeOf(vars);
    const switchAt = Math.max(1, Math.round(cfg.phase1 * ctx.totalSteps));
    let base: Map<tf.Variable, tf.Tensor> | null = new Map(vars.map((v) => [v, tf.clone(v)])); // θ⁽⁰⁾, phase 1 only
    let masks: Masks | null = null;
    let diff: MaskDiff | null = null;
    let steps = 0;

    const enterPhase2 = (m: Masks) => {
      masks = m;
      diff = new MaskDiff(named, m);
      if (base) tf.dispose([...base.values()]);
      base = null;
    };
    // No weight decay on the backbone: in phase 2 it would move entries outside the ticket.
    const groups = () => [{ vars: diff ? vars.filter((v) => diff!.covers(v)) : vars, weightDecay: 0 }];
    return {
      paramGroups: groups,
      transformGrads: (g) => (masks ? maskGrads(g, masks) : g),
      onStep: ({ optimizer }) => {
        if (++steps !== switchAt || masks) return;
        // The winning ticket: the K entries that moved most in phase 1; then every backbone weight goes back to θ⁽⁰⁾.
        const moved = new Map(vars.map((v) => [v, tf.tidy(() => tf.abs(tf.sub(v, base!.get(v)!)))]));
        const m = maskTopK(moved, cfg.density * total);
        tf.dispose([...moved.values()]);
        for (const v of vars) v.assign(base!.get(v)!);
        optimizer.reset(); // phase 1's moments would keep moving entries outside the ticket
        enterPhase2(m);
      },
      adapterState: () => (diff ? diff.state() : cloneNamed(named)),
      loadAdapterState: (s) => {
        const sparse = maskFromState(named, s);
        if (sparse.size === 0) return loadNamed(named, s); // a phase-1 (dense) state
        if (masks) maskDispose(masks);
        diff?.dispose();
        enterPhase2(sparse);
        diff!.load(s);
      },
      // Phase 1 moves every entry; the result (phase 2) only K.
      footprint: () => footprint(model, groups(), [], { trainableParams: diff ? diff.size() : total }),
      metrics: () => ({ sft_share: diff ? diff.size() / total : 1 }),
      dispose: () => {
        if (base) tf.dispose([...base.values()]);
        if (masks) maskDispose(masks);
        diff?.dispose();
      },
    };
  },
});
