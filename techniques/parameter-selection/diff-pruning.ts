// Diff pruning (Guo et al., 2020): W + δ with δ = z ⊙ w, z a hard-concrete gate whose expected L0 norm is penalised;
// δ is projected by magnitude to the target sparsity, then trained on with its mask fixed. δ lives in hooks.
import * as tf from '@tensorflow/tfjs';
import type { Linear } from '../../harness/model/module.js';
import { SeedStream } from '../../harness/model/module.js';
import { footprint, sizeOf } from '../shared/footprint.js';
import { maskDispose, maskTopK, type Masks } from '../shared/mask.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    // Target share of non-zero δ entries after projection: the paper's 0.5%.
    sparsity: z.number().gt(0).max(1).default(0.005),
    // Weight of the expected L0 norm as a share of the targets' entries. The paper's λ = 1.25e-7 per entry summed
    // over BERT-large's 335M entries is ≈ 42 at full density; using it on the share keeps that size against the
    // task loss whatever the model's size.
    l0Weight: z.number().min(0).default(42),
    // Hard-concrete stretch (γ, ζ) = (−1.5, 1.5), temperature β = 1 and log α init 5 (gates open, z ≈ 1) as in the paper.
    gamma: z.number().lt(0).default(-1.5),
    zeta: z.number().gt(1).default(1.5),
    beta: z.number().positive().default(1),
    logAlphaInit: z.number().default(5),
    // log α must travel ~5–10 to close a gate within one budget; at the weights' rate it never would (our choice).
    alphaLrScale: z.number().positive().default(100),
    // Projection after this share of the steps; the rest trains the projected δ with its mask fixed (our split).
    projectAt: z.number().gt(0).max(1).default(0.75),
    targets: z.string().default('layers.**'), // every linear of the blocks: almost all of the backbone's parameters
  })
  .strict();
type Config = z.infer<typeof schema>;

interface Gate {
  linear: Linear;
  w: tf.Variable; // [d_in, d_out], δ's magnitudes, 0 at init so the model starts at the base
  logAlpha: tf.Variable; // [d_in, d_out]
}

export const diffPruning = technique<Config>({
  id: 'diff-pruning',
  name: 'Diff pruning',
  category: 'parameter_selection',
  paper: { title: 'Parameter-Efficient Transfer Learning with Diff Pruning', year: 2020, arxiv: '2012.07463' },
  schema,
  properties: { identityAtInit: true, changesBase: false },
  apply(model, cfg, ctx) {
    const linears = model.find(cfg.targets);
    if (linears.length === 0) throw new Error('Invalid config for technique "diff-pruning": field "targets" matches no linear layer.');
    const gates: Gate[] = linears.map((linear) => ({
      linear,
      w: tf.tidy(() => tf.variable(tf.zerosLike(linear.weight), true)),
      logAlpha: tf.tidy(() => tf.variable(tf.fill(linear.weight.shape, cfg.logAlphaInit), true)),
    }));
    const n = sizeOf(gates.map((g) => g.w));
    const seeds = new SeedStream(ctx.seed + 31337);
    const projectAt = Math.max(1, Math.round(cfg.projectAt * ctx.totalSteps));
    let fixed: Masks | null = null; // after projection: δ = M ⊙ w
    let steps = 0;
    let merged = false;

    // z = min(1, max(0, s(ζ − γ) + γ)), s = σ((log u − log(1 − u) + log α)/β) while training; u's mean (s = σ(log α/β)) at eval.
    const gate = (g: Gate) => {
      let logit: tf.Tensor = g.logAlpha;
      if (model.training) {
        const u = tf.randomUniform(g.w.shape, 1e-6, 1 - 1e-6, 'float32', seeds.next());
        logit = tf.add(tf.sub(tf.log(u), tf.log(tf.sub(1, u))), g.logAlpha);
      }
      return tf.clipByValue(tf.add(tf.mul(tf.sigmoid(tf.div(logit, cfg.beta)), cfg.zeta - cfg.gamma), cfg.gamma), 0, 1);
    };
    const delta = (g: Gate) => (fixed ? tf.mul(fixed.get(g.w)!, g.w) : tf.mul(gate(g), g.w));
    // E‖z‖₀ = Σ σ(log α − β log(−γ/ζ)): the probability that each gate is non-zero.
    const expectedL0 = () => tf.sum(tf.addN(gates.map((g) => tf.sum(tf.sigmoid(tf.sub(g.logAlpha, cfg.beta * Math.log(-cfg.gamma / cfg.zeta)))))));

    const removers = gates.map((g) =>
      model.hooks.wrap(g.linear.name, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
        const y = next(x);
        return tf.add(y, tf.reshape(tf.matMul(tf.reshape(x, [-1, g.linear.dIn]), delta(g)), y.shape));
      }),
    );

    // Magnitude projection onto the L0 ball: keep the k largest |δ| over all targets, fold the gates into w.
    const project = () => {
      if (fixed) return;
      const was = model.training;
      model.training = false;
      const mags = new Map(gates.map((g) => [g.w, tf.tidy(() => tf.abs(delta(g)))]));
      const m = maskTopK(mags, cfg.sparsity * n);
      tf.dispose([...mags.values()]);
      for (const g of gates) g.w.assign(tf.tidy(() => tf.mul(m.get(g.w)!, delta(g))));
      model.training = was;
      fixed = m;
    };

    const groups = () =>
      fixed
        ? [{ vars: gates.map((g) => g.w) }]
        : [{ vars: gates.map((g) => g.w) }, { vars: gates.map((g) => g.logAlpha), lrScale: cfg.alphaLrScale, weightDecay: 0 }];
    return {
      paramGroups: groups,
      auxLoss: () => (fixed || cfg.l0Weight === 0 ? null : (tf.mul(expectedL0(), cfg.l0Weight / n) as tf.Scalar)),
      onStep: () => {
        if (++steps === projectAt) project();
      },
      // Folds δ as the model uses it at evaluation (the gates' expected value, or the projected mask), so outputs stay
      // the same; projection stays a training-time event at projectAt.
      merge: () => {
        if (merged) return;
        const was = model.training;
        model.training = false;
        for (const g of gates) g.linear.weight.assign(tf.tidy(() => tf.add(g.linear.weight, delta(g))));
        model.training = was;
        removers.forEach((r) => r());
        merged = true;
      },
      // Projected: δ's non-zeros as flat indices + values; before that, the dense w and log α.
      adapterState: () => {
        const s: Record<string, tf.Tensor> = {};
        for (const g of gates) {
          if (!fixed) {
            s[`${g.linear.name}.diff_w`] = tf.clone(g.w);
            s[`${g.linear.name}.diff_log_alpha`] = tf.clone(g.logAlpha);
            continue;
          }
          const m = fixed.get(g.w)!.dataSync();
          const idx = tf.tensor1d(Array.from(m.keys()).filter((i) => m[i] !== 0), 'int32');
          s[`${g.linear.name}.diff_idx`] = idx;
          s[`${g.linear.name}.diff_val`] = tf.tidy(() => tf.gather(tf.reshape(g.w, [-1]), idx));
        }
        return s;
      },
      loadAdapterState: (s) => {
        const sparse = gates.some((g) => s[`${g.linear.name}.diff_idx`]);
        if (sparse && !fixed) fixed = new Map();
        for (const g of gates) {
          const name = g.linear.name;
          if (sparse) {
            const idx = s[`${name}.diff_idx`];
            const val = s[`${name}.diff_val`];
            if (!idx || !val) throw new Error(`The adapter state has no sparse diff for "${name}".`);
            const [m, w] = tf.tidy(() => {
              const at = tf.reshape(idx, [-1, 1]);
              return [tf.reshape(tf.scatterND(at, tf.onesLike(val), [g.w.size]), g.w.shape), tf.reshape(tf.scatterND(at, val, [g.w.size]), g.w.shape)];
            });
            fixed!.get(g.w)?.dispose();
            fixed!.set(g.w, m);
            g.w.assign(w);
            w.dispose();
          } else {
            const w = s[`${name}.diff_w`];
            const a = s[`${name}.diff_log_alpha`];
            if (!w || !a) throw new Error(`The adapter state has no tensors "${name}.diff_w" / "${name}.diff_log_alpha".`);
            g.w.assign(w);
            g.logAlpha.assign(a);
          }
        }
      },
      footprint: () => footprint(model, groups(), [...gates.map((g) => g.w), ...(fixed ? [] : gates.map((g) => g.logAlpha))]),
      metrics: () => {
        const nz = tf.tidy(() => tf.addN(gates.map((g) => tf.sum(tf.cast(tf.notEqual(delta(g), 0), 'float32')))));
        const l0 = tf.tidy(expectedL0);
        const out = { delta_nonzero_share: nz.dataSync()[0] / n, expected_l0_share: fixed ? nz.dataSync()[0] / n : l0.dataSync()[0] / n };
        tf.dispose([nz, l0]);
        return out;
      },
      dispose: () => {
        if (!merged) removers.forEach((r) => r());
        if (fixed) maskDispose(fixed);
        for (const g of gates) tf.dispose([g.w, g.logAlpha]);
      },
    };
  },
});
