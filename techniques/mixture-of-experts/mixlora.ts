// MixLoRA (Li et al., 2024): a sparse top-k MoE built from the frozen FFN, each expert the FFN with its own LoRA on every
// FFN linear; tokens are dispatched to k experts, a Switch-style load-balancing loss keeps the router even, and the
// attention projections get plain LoRA.
import * as tf from '@tensorflow/tfjs';
import { SeedStream, type Linear } from '../../harness/model/module.js';
import { footprint } from '../shared/footprint.js';
import { initA, loraAdapter } from '../shared/delta-layer.js';
import { technique, z } from '../shared/config.js';
import { Router } from './moe/router.js';
import { MoeRecorder } from './moe/recorder.js';
import { switchBalance } from './moe/balance.js';
import { seededDropout } from '../shared/dropout.js';
import { cloneNamed, loadNamed } from '../shared/state.js';

const schema = z
  .object({
    experts: z.number().int().min(1).default(8), // the reference configuration: 8 experts, top-2 (as Mixtral)
    topK: z.number().int().min(1).default(2),
    r: z.number().int().positive().default(8), // r = 8, α = 16 for experts and attention adapters
    alpha: z.number().positive().default(16),
    dropout: z.number().min(0).max(0.9).default(0.05),
    auxCoef: z.number().min(0).default(0.01), // router_aux_loss_coef 0.01
    attnTargets: z.string().default('layers.*.attn.{q,k,v,o}'), // the attention LoRA beside the FFN experts ('' for none)
  })
  .strict()
  .refine((c) => c.topK <= c.experts, { message: 'topK must not exceed experts', path: ['topK'] });
type Config = z.infer<typeof schema>;

interface ExpertLora {
  A: tf.Variable[]; // per expert [d_in, r]
  B: tf.Variable[]; // per expert [r, d_out]
}

export const mixlora = technique<Config>({
  id: 'mixlora',
  name: 'MixLoRA',
  category: 'mixture_of_experts',
  paper: { title: 'MixLoRA: Enhancing Large Language Models Fine-Tuning with LoRA-based Mixture of Experts', year: 2024, arxiv: '2404.15159' },
  schema,
  // Not mergeable: which experts a token uses depends on the token.
  properties: { identityAtInit: true, changesBase: false },
  lrMultiplier: 5, // LoRA-like rates, halved: eight top-2 experts on q, k, v, o overshoot at LoRA's ×10 on small models
  apply(model, cfg, ctx) {
    // Mean over layers of E · Σ f_i P_i (as Mixtral's loss over all layers' router logits), times the coefficient.
    const recorder = new MoeRecorder(model, { coef: cfg.auxCoef, reduce: 'mean' });
    const scale = cfg.alpha / cfg.r;
    const seeds = new SeedStream(ctx.seed + 104729);
    const drop = seededDropout(ctx.seed);
    const attn = cfg.attnTargets ? loraAdapter(model, model.find(cfg.attnTargets), { r: cfg.r, scale, dropout: cfg.dropout, seed: ctx.seed }) : null;
    const removers: (() => void)[] = [];
    const routers = new Map<number, Router>();
    const experts = new Map<Linear, ExpertLora>();
    const d = model.config.dModel;

    for (const i of model.layerIndices()) {
      const router = new Router(d, cfg.experts, seeds.next());
      routers.set(i, router);
      const linears = model.find(`layers.${i}.ffn.*`);
      let current = -1; // the expert whose FFN is being computed; -1 outside the MoE block
      for (const lin of linears) {
        const e: ExpertLora = {
          A: Array.from({ length: cfg.experts }, () => tf.tidy(() => tf.variable(initA(lin.dIn, cfg.r, seeds.next()), true))),
          B: Array.from({ length: cfg.experts }, () => tf.tidy(() => tf.variable(tf.zeros([cfg.r, lin.dOut]), true))),
        };
        experts.set(lin, e);
        removers.push(
          model.hooks.wrap(lin.name, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
            const y = next(x);
            if (current < 0) return y;
            const xd = model.training ? drop(x, cfg.dropout) : x;
            const x2 = tf.reshape(xd, [-1, lin.dIn]);
            return tf.add(y, tf.reshape(tf.mul(tf.matMul(tf.matMul(x2, e.A[current]), e.B[current]), scale), y.shape)); // W + s A_e B_e
          }),
        );
      }
      removers.push(
        model.hooks.wrap(`layers.${i}.ffn`, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
          const x2 = tf.reshape(x, [-1, d]) as tf.Tensor2D; // [N, d]
          const N = x2.shape[0];
          const routed = router.route(x2, cfg.topK);
          recorder.record(i, x, routed.load, cfg.experts);
          if (model.training && cfg.auxCoef > 0) {
            const m = recorder.maskFor(x);
            recorder.addAux(switchBalance(routed.probs, routed.dispatch!, m && (tf.reshape(m, [-1]) as tf.Tensor1D)));
          }
          // Dispatch: each expert runs the FFN (with its LoRA) on its own tokens only; outputs are weighted and summed back.
          const gateFlat = tf.reshape(routed.gates, [-1]); // [N·E]
          const byExpert: number[][] = Array.from({ length: cfg.experts }, () => []);
          const chosen = routed.chosen!;
          const k = chosen.length / N;
          for (let n = 0; n < N; n++) for (let j = 0; j < k; j++) byExpert[chosen[n * k + j]].push(n);
          const parts: tf.Tensor[] = [];
          const rows: number[] = [];
          try {
            byExpert.forEach((tokens, e) => {
              if (tokens.length === 0) return;
              current = e;
              const idx = tf.tensor1d(tokens, 'int32');
              const ye = next(tf.gather(x2, idx)); // [n_e, d]
              const w = tf.gather(gateFlat, tf.tensor1d(tokens.map((n) => n * cfg.experts + e), 'int32')); // g_e(x_n)
              parts.push(tf.mul(ye, tf.expandDims(w, -1)));
              rows.push(...tokens);
            });
          } finally {
            current = -1;
          }
          const out = tf.unsortedSegmentSum(tf.concat(parts, 0), tf.tensor1d(rows, 'int32'), N); // Σ_{e ∈ top-k(n)} g_e FFN_e(x_n)
          return tf.reshape(out, x.shape);
        }),
      );
    }

    const expertVars = () => [...routers.values()].map((r) => r.W).concat([...experts.values()].flatMap((e) => [...e.A, ...e.B]));
    const ownVars = () => [...expertVars(), ...(attn?.vars() ?? [])];
    const named = (): [string, tf.Variable][] => [
      ...[...routers].map(([i, r]) => [`layers.${i}.ffn.moe_router`, r.W] as [string, tf.Variable]),
      ...[...experts].flatMap(([lin, e]) =>
        e.A.flatMap((A, j) => [
          [`${lin.name}.expert${j}.lora_A`, A],
          [`${lin.name}.expert${j}.lora_B`, e.B[j]],
        ] as [string, tf.Variable][]),
      ),
    ];
    const groups = () => [{ vars: ownVars() }];
    return {
      paramGroups: groups,
      auxLoss: recorder.auxLoss,
      adapterState: () => ({ ...cloneNamed(named()), ...(attn?.state() ?? {}) }),
      loadAdapterState: (s) => {
        loadNamed(named(), s);
        attn?.load(s);
      },
      footprint: () => footprint(model, groups(), ownVars()),
      metrics: () => recorder.metrics(),
      dispose: () => {
        removers.forEach((r) => r());
        tf.dispose(expertVars());
        attn?.dispose();
        recorder.dispose();
      },
    };
  },
});
