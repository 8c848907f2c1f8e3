// O-LoRA (Wang et al., 2023): continual learning over a task sequence, each task's LoRA kept orthogonal to the earlier tasks' frozen ones.
import * as tf from '@tensorflow/tfjs';
import type { Applied } from '../../harness/plugin.js';
import { footprint } from '../shared/footprint.js';
import { loraAdapter, type LoraAdapter } from '../shared/delta-layer.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    // The tasks learnt before the trial's own dataset, in order (the trial's dataset is left out if listed).
    sequence: z.array(z.string()).default(['sotu-year', 'spam']),
    taskSteps: z.number().int().nonnegative().default(0), // 0: the trial's step budget for each earlier task
    r: z.number().int().positive().default(8), // the paper's rank
    alpha: z.number().positive().default(8),
    targets: z.string().default('layers.*.attn.{q,v}'), // the paper adapts q and v
    lambda1: z.number().min(0).default(0.5), // orthogonality weight, λ₁ = 0.5 as in the paper's scripts
    lambda2: z.number().min(0).default(0), // L2 on the new task's LoRA, λ₂ = 0 in the paper's scripts
    // false: the paper's SeqLoRA baseline, one LoRA trained through the whole sequence without any constraint.
    orthogonal: z.boolean().default(true),
  })
  .strict();
type Config = z.infer<typeof schema>;

interface Task {
  id: string;
  head: string;
  adapter: LoraAdapter | null; // null under SeqLoRA, where every task shares the current adapter
  score: number; // right after learning the task
}

/** λ₁ Σᵢ Σ_layers ‖Aᵢᵀ A_t‖²_F over earlier tasks i: zero when A_t's columns span a subspace orthogonal to every Aᵢ. */
export function orthogonalityLoss(earlier: LoraAdapter[], current: LoraAdapter): tf.Scalar {
  return tf.tidy(() => {
    const terms = earlier.flatMap((e) => e.layers.map((l, k) => tf.sum(tf.square(tf.matMul(l.vars.lora_A, current.layers[k].vars.lora_A, true, false))))); // [r, r] each
    return (terms.length ? tf.addN(terms) : tf.scalar(0)) as tf.Scalar;
  });
}

export const oLora = technique<Config>({
  id: 'o-lora',
  name: 'O-LoRA',
  category: 'application',
  paper: { title: 'Orthogonal Subspace Learning for Language Model Continual Learning', year: 2023, arxiv: '2310.14152' },
  schema,
  properties: { identityAtInit: true, changesBase: false },
  trainsHead: true, // a head per task of the sequence
  lrMultiplier: 10, // trains as LoRA
  otherTasks: (cfg) => cfg.sequence,
  apply(model, cfg, ctx) {
    const lora = (seed: number) => loraAdapter(model, model.find(cfg.targets), { r: cfg.r, scale: cfg.alpha / cfg.r, dropout: 0, seed });
    const current = lora(ctx.seed);
    const targetHead = model.headName;
    const headVars = (name: string) => model.named(name === 'default' ? 'head.**' : `head.${name}.**`).filter(([n]) => name !== 'default' || !/^head\.t\d+_/.test(n)).map(([, v]) => v);
    const ownHead = headVars(targetHead);
    const tasks: Task[] = [];
    let prepared = false;

    const frozen = () => tasks.flatMap((t) => (t.adapter ? [t.adapter] : []));
    const aux = () => {
      if (!cfg.orthogonal) return null;
      const orth = cfg.lambda1 > 0 && frozen().length ? tf.mul(orthogonalityLoss(frozen(), current), cfg.lambda1) : null;
      const l2 = cfg.lambda2 > 0 ? tf.mul(tf.addN(current.vars().map((v) => tf.sum(tf.square(v)))), cfg.lambda2) : null;
      return orth && l2 ? (tf.add(orth, l2) as tf.Scalar) : ((orth ?? l2) as tf.Scalar | null);
    };
    const groups = () => [{ vars: current.vars() }, { vars: ownHead }];
    const headName = (i: number, id: string) => `t${i}_${id.replace(/[^\w-]/g, '_')}`;
    const allAdapters = () => [current, ...frozen()];
    const stateOf = (): Record<string, tf.Tensor> => {
      const s: Record<string, tf.Tensor> = { ...current.state(), ...model.state('head.**') };
      frozen().forEach((a, i) => Object.entries(a.state()).forEach(([k, v]) => (s[`olora.task${i}.${k}`] = v)));
      return s;
    };

    return {
      async prepare() {
        if (prepared || !ctx.services) return; // without services (a test driving the trainer alone) there is one task
        prepared = true;
        const services = ctx.services;
        const earlier = cfg.sequence.filter((id) => id !== services.target);
        for (const [i, id] of earlier.entries()) {
          const task: Task = { id, head: headName(i, id), adapter: cfg.orthogonal ? lora(ctx.seed + 101 * (i + 1)) : null, score: 0 };
          model.addHead(await services.nOutputs(id), task.head);
          model.useHead(task.head);
          const learner = task.adapter ?? current;
          const before = frozen();
          const view: Applied = {
            paramGroups: () => [{ vars: learner.vars() }, { vars: headVars(task.head) }],
            auxLoss: () => (cfg.orthogonal && cfg.lambda1 > 0 && before.length ? (tf.mul(orthogonalityLoss(before, learner), cfg.lambda1) as tf.Scalar) : null),
            adapterState: () => ({}),
            loadAdapterState: () => undefined,
            footprint: () => footprint(model, []),
            dispose: () => undefined,
          };
          await services.train(id, model, view, cfg.taskSteps || ctx.totalSteps);
          task.score = await services.score(id, model);
          tasks.push(task);
        }
        model.useHead(targetHead);
      },
      paramGroups: groups,
      auxLoss: aux,
      merge: () => allAdapters().forEach((a) => a.merge()),
      adapterState: stateOf,
      loadAdapterState(s) {
        current.load(s);
        for (let i = 0; `olora.task${i}.${current.layers[0].linear.name}.lora_A` in s; i++) {
          if (!tasks[i]) tasks.push({ id: `task${i}`, head: '', adapter: lora(ctx.seed + 101 * (i + 1)), score: 0 });
          const prefix = `olora.task${i}.`;
          tasks[i].adapter!.load(Object.fromEntries(Object.entries(s).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])));
        }
        // Heads of earlier tasks: recreated from their output layer's shape where this model lacks them.
        for (const [k, v] of Object.entries(s)) {
          const m = /^head\.(t\d+_[\w-]+)\.out\.bias$/.exec(k);
          if (m && !model.params.has(k)) model.addHead(v.shape[0], m[1]);
        }
        model.load(s, { source: 'adapter state' });
      },
      footprint: () => footprint(model, groups(), allAdapters().flatMap((a) => a.vars())),
      metrics: () => {
        const o = frozen().length ? orthogonalityLoss(frozen(), current) : null;
        const overlap = o ? o.dataSync()[0] : 0;
        o?.dispose();
        return { 'orthogonality.overlap': overlap, tasks: tasks.length + 1 };
      },
      /** Forgetting: each earlier task's score right after learning it minus its score at the end of the sequence. */
      async evaluate() {
        const out: Record<string, number> = {};
        if (!ctx.services || tasks.length === 0) return out;
        for (const t of tasks) {
          model.useHead(t.head);
          const final = await ctx.services.score(t.id, model);
          Object.assign(out, { [`score.${t.id}.learnt`]: t.score, [`score.${t.id}.final`]: final, [`forgetting.${t.id}`]: t.score - final });
        }
        model.useHead(targetHead);
        out['forgetting.mean'] = tasks.reduce((a, t) => a + out[`forgetting.${t.id}`], 0) / tasks.length;
        return out;
      },
      dispose: () => allAdapters().forEach((a) => a.dispose()),
    };
  },
});
