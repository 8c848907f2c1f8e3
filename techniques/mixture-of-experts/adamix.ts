// AdaMix (Wang et al., 2022): M bottleneck adapters per site; training routes each pass through a random down and a
// random up projection, a consistency loss ties two stochastic passes together, and inference (and merge) uses the
// adapters' averaged weights: one deterministic module. By default the up projection is one module shared by the
// experts (§3.4 "adaptation module sharing", the released scripts' --sharing_up 1 --sharing_down 0).
import * as tf from '@tensorflow/tfjs';
import { SeedStream, dense } from '../../harness/model/module.js';
import { gelu } from '../../harness/model/layers.js';
import { Rng } from '../../core/rng.js';
import { footprint } from '../shared/footprint.js';
import { Bottleneck } from '../shared/bottleneck.js';
import { cloneNamed, loadNamed, type Named } from '../shared/state.js';
import { technique, z } from '../shared/config.js';
import { Utilisation } from './moe/utilisation.js';

const schema = z
  .object({
    experts: z.number().int().min(1).default(4), // M = 4 adaptation modules, the paper's default
    size: z.number().int().positive().default(16), // bottleneck dimension 16 (the paper's RoBERTa adapters)
    act: z.enum(['gelu', 'relu']).default('gelu'),
    consistency: z.number().min(0).default(1), // weight of the symmetric-KL consistency between two stochastic passes
    // One shared up projection, M down projections (the paper's GLUE setting): averaging M downs that all fed the same
    // up stays close to every trained path, where averaging independent down-up pairs does not.
    shareUp: z.boolean().default(true),
  })
  .strict();
type Config = z.infer<typeof schema>;

interface Site {
  point: string; // layers.N.attn | layers.N.ffn
  layer: number;
  experts: Bottleneck[];
}

/** The averaged module: each weight is the mean of the experts' (AdaMix's adaptation merging); `ups` are the distinct up projections. */
function averaged(bs: Bottleneck[], ups: Bottleneck[]): { down: tf.Tensor; downBias: tf.Tensor; up: tf.Tensor; upBias: tf.Tensor } {
  const mean = (xs: Bottleneck[], f: (b: Bottleneck) => tf.Tensor) => tf.div(tf.addN(xs.map(f)), xs.length);
  return { down: mean(bs, (b) => b.down), downBias: mean(bs, (b) => b.downBias), up: mean(ups, (b) => b.up), upBias: mean(ups, (b) => b.upBias) };
}

/** ½ (KL(p‖q) + KL(q‖p)) between the softmaxes of two logit batches [B, C]; squared error for one output (regression). */
function symmetricKl(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  if (a.shape[a.rank - 1] === 1) return tf.mean(tf.square(tf.sub(a, b))) as tf.Scalar;
  const la = tf.logSoftmax(a);
  const lb = tf.logSoftmax(b);
  return tf.mul(0.5, tf.mean(tf.sum(tf.mul(tf.sub(tf.exp(la), tf.exp(lb)), tf.sub(la, lb)), -1))) as tf.Scalar;
}

export const adamix = technique<Config>({
  id: 'adamix',
  name: 'AdaMix',
  category: 'mixture_of_experts',
  paper: { title: 'AdaMix: Mixture-of-Adaptations for Parameter-efficient Model Tuning', year: 2022, arxiv: '2205.12410' },
  schema,
  // Identity at init: every up projection starts at zero. Merge collapses the experts into their average, which is
  // exactly the module inference already uses.
  properties: { identityAtInit: true, changesBase: false },
  // Adapter rates are ~10× full fine-tuning's in the paper (5e-4 against ~2e-5); on the tiny decoder (techniques-2,
  // 3 seeds, shared up) ×3 gave F1 0.51 and ×10 0.44 (without the sharing ×10 stayed on the majority class).
  lrMultiplier: 3,
  apply(model, cfg, ctx) {
    const d = model.config.dModel;
    const seeds = new SeedStream(ctx.seed + 6151);
    const rng = new Rng(ctx.seed + 17);
    const f = cfg.act === 'gelu' ? gelu : tf.relu;
    const util = new Utilisation();
    const removers: (() => void)[] = [];
    const sites: Site[] = [];
    // With shareUp, expert 0's up projection is the shared one and the others' up variables are never used.
    const upsOf = (experts: Bottleneck[]) => (cfg.shareUp ? experts.slice(0, 1) : experts);
    for (const layer of model.layerIndices()) {
      for (const point of [`layers.${layer}.attn`, `layers.${layer}.ffn`]) {
        // Houlsby placement (sub-layer output, before the residual); down as PyTorch's nn.Linear default, up = 0.
        const experts = Array.from({ length: cfg.experts }, () => new Bottleneck({ d, m: cfg.size, act: cfg.act, downInit: 'kaiming', std: 0, seed: seeds.next() }));
        sites.push({ point, layer, experts });
        removers.push(
          model.hooks.wrap(point, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
            const h = next(x);
            if (!model.training) {
              const w = averaged(experts, upsOf(experts));
              return tf.add(h, dense(f(dense(h, w.down, w.downBias)), w.up, w.upBias));
            }
            // Stochastic routing: an independent random choice of down and up projection for this pass.
            const i = rng.int(cfg.experts);
            const j = cfg.shareUp ? 0 : rng.int(cfg.experts);
            const pick = new Float32Array(cfg.experts); // utilisation counts the routed down (and up, when not shared)
            if (cfg.shareUp) pick[i] = 1;
            else {
              pick[i] += 0.5;
              pick[j] += 0.5;
            }
            util.add(layer, pick, cfg.experts, null);
            const dn = experts[i];
            const up = experts[j];
            return tf.add(h, dense(f(dense(h, dn.down, dn.downBias)), up.up, up.upBias));
          }),
        );
      }
    }

    // Consistency: the trainer's pass is the first stochastic pass; auxLoss runs a second one on the same batch.
    let batch: { ids: tf.Tensor2D; mask: tf.Tensor2D } | null = null;
    let first: tf.Tensor | null = null;
    let second = false;
    removers.push(
      model.hooks.wrap('embed', (input, next) => {
        if (model.training && !second) {
          batch = input;
          first = null;
        }
        return next(input);
      }),
      model.hooks.wrap('head.out', (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
        const y = next(x);
        if (model.training && !second) first = y;
        return y;
      }),
    );

    const all = () => sites.flatMap((s) => s.experts);
    const vars = () => sites.flatMap((s) => [...s.experts.flatMap((b) => [b.down, b.downBias]), ...upsOf(s.experts).flatMap((b) => [b.up, b.upBias])]);
    const groups = () => [{ vars: vars() }];
    // State names: expert e's down as `<point>.adamix.expert<e>.down.*`; its up likewise, or `<point>.adamix.up.*` when shared.
    const named = (s: Site): Named => [
      ...s.experts.flatMap((b, e): [string, tf.Variable][] => [[`${s.point}.adamix.expert${e}.down.weight`, b.down], [`${s.point}.adamix.expert${e}.down.bias`, b.downBias]]),
      ...upsOf(s.experts).flatMap((b, e): [string, tf.Variable][] => {
        const at = cfg.shareUp ? `${s.point}.adamix.up` : `${s.point}.adamix.expert${e}.up`;
        return [[`${at}.weight`, b.up], [`${at}.bias`, b.upBias]];
      }),
    ];
    return {
      paramGroups: groups,
      auxLoss: () => {
        const b = batch;
        const y1 = first;
        batch = null;
        first = null;
        if (!model.training || cfg.consistency === 0 || !b || !y1 || y1.isDisposed || b.ids.isDisposed || !model.hasHead) return null;
        second = true;
        try {
          return tf.mul(cfg.consistency, symmetricKl(y1, model.classify(b.ids, b.mask))) as tf.Scalar;
        } finally {
          second = false;
        }
      },
      merge: () => {
        for (const s of sites) {
          tf.tidy(() => {
            const w = averaged(s.experts, upsOf(s.experts));
            for (const b of s.experts) {
              b.down.assign(w.down);
              b.downBias.assign(w.downBias);
              b.up.assign(w.up);
              b.upBias.assign(w.upBias);
            }
          });
        }
      },
      adapterState: () => cloneNamed(sites.flatMap(named)),
      loadAdapterState: (st) => loadNamed(sites.flatMap(named), st),
      footprint: () => footprint(model, groups(), vars()),
      metrics: () => util.metrics(),
      dispose: () => {
        removers.forEach((r) => r());
        all().forEach((b) => b.dispose());
      },
    };
  },
});
