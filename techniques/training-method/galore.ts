// GaLore (Zhao et al., 2024): full-parameter training whose Adam state lives in a rank-r projection of each 2-D gradient.
import * as tf from '@tensorflow/tfjs';
import type { Optimizer, OptimizerSpec, ParamGroup } from '../../harness/plugin.js';
import { AdamW } from '../../harness/train/adamw.js';
import { globToRegExp } from '../../harness/model/module.js';
import { footprint } from '../shared/footprint.js';
import { svd } from '../shared/svd.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    rank: z.number().int().positive().default(8), // the paper fine-tunes RoBERTa on GLUE at r = 4 and 8
    // The paper's pretraining ranks are a quarter of the width (128/512 … 512/2048); we cap r there so our narrow
    // models still get a real projection rather than a full-rank one.
    maxRankFraction: z.number().gt(0).max(1).default(0.25),
    updateGap: z.number().int().positive().default(200), // T: the projector is recomputed every 200 steps in the paper
    scale: z.number().positive().default(0.25), // α, the paper's default
    // Every 2-D parameter: the paper projects attention and MLP matrices of LLaMA, where embeddings are a small share;
    // in our small-vocabulary models the embedding table is most of the parameters, so it is projected too.
    targets: z.string().default('**'),
  })
  .strict();
type Config = z.infer<typeof schema>;

/** The projected rank of an m × n matrix; 0 means "too small to project, use plain AdamW". */
export function galoreRank(cfg: Config, m: number, n: number): number {
  const r = Math.min(cfg.rank, Math.floor(Math.min(m, n) * cfg.maxRankFraction));
  return r >= 1 && r < Math.min(m, n) ? r : 0;
}

const zeroVar = (shape: number[]) => tf.tidy(() => tf.variable(tf.zeros(shape), false));

interface Slot {
  /** left: P = U_r [m, r] and R = Pᵀ G [r, n] (m ≤ n); right: P = V_r [n, r] and R = G P [m, r]. */
  side: 'left' | 'right';
  rank: number;
  P: tf.Variable;
  m: tf.Variable; // Adam moments of R
  v: tf.Variable;
  t: number;
  /** Steps (1-based) at which P was recomputed. */
  refreshedAt: number[];
}

/** Adam in the projected space for `projected` matrices (Algorithm 1), plain AdamW for everything else. */
export class GaLoreAdamW implements Optimizer {
  private readonly slots = new Map<tf.Variable, Slot>();
  private readonly rest: AdamW;
  private readonly groupOf = new Map<tf.Variable, { lrScale: number; weightDecay: number }>();

  constructor(private readonly spec: OptimizerSpec, groups: ParamGroup[], private readonly projected: Set<tf.Variable>, private readonly cfg: Config) {
    this.rest = new AdamW(spec, groups);
    for (const g of groups) for (const v of g.vars) this.groupOf.set(v, { lrScale: g.lrScale ?? 1, weightDecay: g.weightDecay ?? spec.weightDecay });
  }

  step(grads: Map<tf.Variable, tf.Tensor>, lr: number): void {
    const rest = new Map<tf.Variable, tf.Tensor>();
    for (const [p, g] of grads) {
      if (this.projected.has(p)) this.stepProjected(p, g as tf.Tensor2D, lr);
      else rest.set(p, g);
    }
    this.rest.step(rest, lr);
  }

  private stepProjected(p: tf.Variable, g: tf.Tensor2D, lr: number): void {
    const [m, n] = g.shape;
    let s = this.slots.get(p);
    if (!s) {
      const side = m <= n ? 'left' : 'right';
      const rank = galoreRank(this.cfg, m, n);
      const rShape = side === 'left' ? [rank, n] : [m, rank];
      s = { side, rank, P: zeroVar(side === 'left' ? [m, rank] : [n, rank]), m: zeroVar(rShape), v: zeroVar(rShape), t: 0, refreshedAt: [] };
      this.slots.set(p, s);
    }
    if (s.t % this.cfg.updateGap === 0) {
      // The subspace of the current gradient's top-r singular vectors; the moments are kept, as in the reference code.
      const { U, S, V } = svd(g, s.rank);
      s.P.assign(s.side === 'left' ? U : V);
      tf.dispose([U, S, V]);
      s.refreshedAt.push(s.t + 1);
    }
    s.t += 1;
    const { beta1: b1, beta2: b2, eps } = this.spec;
    const group = this.groupOf.get(p) ?? { lrScale: 1, weightDecay: this.spec.weightDecay };
    const a = lr * group.lrScale;
    const c1 = 1 - b1 ** s.t;
    const c2 = 1 - b2 ** s.t;
    const slot = s;
    tf.tidy(() => {
      const R = slot.side === 'left' ? tf.matMul(slot.P, g, true, false) : tf.matMul(g, slot.P); // [r,n] | [m,r]
      const mt = tf.add(tf.mul(slot.m, b1), tf.mul(R, 1 - b1));
      const vt = tf.add(tf.mul(slot.v, b2), tf.mul(tf.square(R), 1 - b2));
      slot.m.assign(mt);
      slot.v.assign(vt);
      const N = tf.div(tf.div(mt, c1), tf.add(tf.sqrt(tf.div(vt, c2)), eps));
      const update = tf.mul(slot.side === 'left' ? tf.matMul(slot.P, N) : tf.matMul(N, slot.P, false, true), this.cfg.scale); // [m,n]
      const decayed = group.weightDecay > 0 ? tf.mul(p, 1 - a * group.weightDecay) : p;
      p.assign(tf.sub(decayed, tf.mul(update, a)));
    });
  }

  /** The projection and moments of one matrix, for inspection (tests, reports). */
  slot(p: tf.Variable): Readonly<Slot> | undefined {
    return this.slots.get(p);
  }

  stateBytes(): number {
    let n = this.rest.stateBytes();
    for (const s of this.slots.values()) n += (s.P.size + s.m.size + s.v.size) * 4;
    return n;
  }

  reset(vars?: tf.Variable[]): void {
    this.rest.reset(vars);
    for (const p of vars ?? [...this.slots.keys()]) {
      const s = this.slots.get(p);
      if (!s) continue;
      tf.dispose([s.P, s.m, s.v]);
      this.slots.delete(p);
    }
  }

  dispose(): void {
    this.reset();
    this.rest.dispose();
  }
}

export const galore = technique<Config>({
  id: 'galore',
  name: 'GaLore',
  category: 'training_method',
  paper: { title: 'GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection', year: 2024, arxiv: '2403.03507' },
  schema,
  properties: { identityAtInit: true, changesBase: true },
  trainsHead: true, // every weight trains, the head among them
  // With α = 0.25, a 4× rate gives projected updates the step size of full fine-tuning's; the paper likewise trains
  // GaLore at a higher rate than its full-rank baseline (0.01 vs 0.001 when pretraining LLaMA).
  lrMultiplier: 4,
  apply(model, cfg) {
    const re = globToRegExp(cfg.targets);
    const projected = new Set(
      model.named().filter(([name, v]) => re.test(name) && v.rank === 2 && galoreRank(cfg, v.shape[0], v.shape[1]!) > 0).map(([, v]) => v),
    );
    const groups = () => [{ vars: [...model.params.values()] }];
    return {
      paramGroups: groups,
      optimizer: (spec, gs) => new GaLoreAdamW(spec, gs, projected, cfg),
      adapterState: () => model.state(),
      loadAdapterState: (s) => model.load(s, { source: 'adapter state' }),
      footprint: () => footprint(model, groups()),
      metrics: () => ({ projected_matrices: projected.size }),
      dispose: () => {},
    };
  },
});
