// LoRAHub (Huang et al., 2023): LoRA modules trained on upstream tasks, composed for a new task as A = Σ wᵢAᵢ, B = Σ wᵢBᵢ with w found by gradient-free search.
import * as tf from '@tensorflow/tfjs';
import type { Applied, ApplyContext } from '../../harness/plugin.js';
import type { Model } from '../../harness/model/model.js';
import { footprint } from '../shared/footprint.js';
import { loraAdapter } from '../shared/delta-layer.js';
import { applied } from '../shared/applied.js';
import { technique, z } from '../shared/config.js';
import { evolve } from './search/es.js';

const schema = z
  .object({
    // The hub: built-in tasks an upstream LoRA module is trained on (the trial's own dataset is always left out).
    upstream: z.array(z.string()).min(1).default(['spam', 'sotu-year', 'wordnet-def']),
    upstreamSteps: z.number().int().nonnegative().default(0), // 0: the trial's step budget per module
    r: z.number().int().positive().default(8),
    alpha: z.number().positive().default(8),
    targets: z.string().default('layers.*.attn.{q,v}'), // LoRA's usual q, v modules
    budget: z.number().int().min(2).default(40), // the paper's 40 search steps
    l1: z.number().min(0).default(0.05), // the paper's α on Σ|wᵢ|
    bound: z.number().positive().default(1.5), // the paper searches wᵢ in [-1.5, 1.5], from 0
    searchBatches: z.number().int().positive().default(1), // the few target examples the search scores w on
    // Not in the paper (its text-to-text targets need no head): a new classification head first trains on the base's
    // features for this share of the steps, so the search scores w through a head that means something.
    searchAt: z.number().min(0).max(1).default(0.3),
  })
  .strict();
type Config = z.infer<typeof schema>;

type Module = Map<string, { A: tf.Tensor; B: tf.Tensor }>;

export const lorahub = technique<Config>({
  id: 'lorahub',
  name: 'LoRAHub',
  category: 'application',
  paper: { title: 'LoraHub: Efficient Cross-Task Generalization via Dynamic LoRA Composition', year: 2023, arxiv: '2307.13269' },
  schema,
  properties: { identityAtInit: true, changesBase: false }, // w = 0 at init
  lrMultiplier: 10, // only the new head trains, at a PEFT rate
  otherTasks: (cfg) => cfg.upstream,
  apply(model, cfg, ctx) {
    const scale = cfg.alpha / cfg.r;
    const composed = loraAdapter(model, model.find(cfg.targets), { r: cfg.r, scale, dropout: 0, seed: ctx.seed });
    for (const { vars } of composed.layers) tf.tidy(() => vars.lora_A.assign(tf.zerosLike(vars.lora_A))); // Σ wᵢAᵢ with w = 0
    const modules: Module[] = [];
    let names: string[] = [];
    let weights: number[] = [];
    let prepared = false;
    let steps = 0;

    const compose = (w: number[]) => {
      for (const { linear, vars } of composed.layers) {
        tf.tidy(() => {
          const sum = (key: 'A' | 'B') => tf.addN(modules.map((m, i) => tf.mul(m.get(linear.name)![key], w[i])));
          vars.lora_A.assign(sum('A'));
          vars.lora_B.assign(sum('B'));
        });
      }
      weights = w;
    };
    const search = () => {
      const shots = ctx.sampleBatches(cfg.searchBatches);
      const was = model.training;
      model.training = false;
      const objective = (w: number[]) => {
        compose(w);
        let loss = 0;
        for (const b of shots) {
          const l = tf.tidy(() => ctx.loss(b));
          loss += l.dataSync()[0] / shots.length;
          l.dispose();
        }
        return loss + cfg.l1 * w.reduce((s, x) => s + Math.abs(x), 0);
      };
      const r = evolve(objective, new Array(modules.length).fill(0), { budget: cfg.budget, lambda: 4, sigma: cfg.bound / 3, lower: -cfg.bound, upper: cfg.bound, seed: ctx.seed });
      compose(r.best);
      model.training = was;
      shots.forEach((b) => tf.dispose([b.ids, b.mask, b.labels]));
    };

    // Upstream modules are plain LoRA pairs with this config, trained by the harness on each upstream task.
    const upstreamLora = (m: Model, c: ApplyContext): Applied =>
      applied(m, loraAdapter(m, m.find(cfg.targets), { r: cfg.r, scale, dropout: 0, seed: c.seed }));

    const base = applied(model, composed);
    const groups = () => []; // the composition is searched, not trained (only the harness's task head trains)
    return {
      ...base,
      async prepare() {
        if (prepared || !ctx.services) return; // without services (a test driving the trainer alone) the hub is empty
        prepared = true;
        const services = ctx.services;
        names = cfg.upstream.filter((id) => id !== services.target);
        for (const id of names) {
          const state = await services.trainAdapter(id, {
            apply: upstreamLora,
            steps: cfg.upstreamSteps || ctx.totalSteps,
            cache: { dir: 'lorahub', key: { r: cfg.r, alpha: cfg.alpha, targets: cfg.targets } },
          });
          modules.push(new Map(composed.layers.map(({ linear: { name } }) => [name, { A: tf.clone(state[`${name}.lora_A`]), B: tf.clone(state[`${name}.lora_B`]) }])));
          tf.dispose(Object.values(state));
        }
        weights = new Array(names.length).fill(0);
      },
      paramGroups: groups,
      onStep() {
        if (steps++ === Math.round(cfg.searchAt * ctx.totalSteps) && modules.length > 0) search();
      },
      footprint: () => footprint(model, groups(), composed.vars()),
      metrics: () => Object.fromEntries(names.map((n, i) => [`weight.${n}`, weights[i] ?? 0])),
      dispose() {
        base.dispose();
        tf.dispose(modules.flatMap((m) => [...m.values()].flatMap((p) => [p.A, p.B])));
      },
    };
  },
});
