// MoV (Zadouri et al., 2023): a soft token-level mixture of (IA)³ vectors; ℓ(x) = Σ_e g_e(x) ℓ_e with every ℓ_e = 1 at init.
import * as tf from '@tensorflow/tfjs';
import { SeedStream, type Linear } from '../../harness/model/module.js';
import { footprint } from '../shared/footprint.js';
import { cloneNamed, loadNamed, type Named } from '../shared/state.js';
import { technique, z } from '../shared/config.js';
import { Router } from './moe/router.js';
import { MoeRecorder } from './moe/recorder.js';
import { layerOf } from './moe/lora-experts.js';

const schema = z
  .object({
    experts: z.number().int().min(1).default(10), // MoV-10, the paper's mid-size mixture
    // Where (IA)³ puts its vectors: keys and values (scaling the projections' outputs) and the FFN activation
    // (scaling the input of the down projection).
    outputTargets: z.string().default('layers.*.attn.{k,v}'),
    inputTargets: z.string().default('layers.*.ffn.down'),
  })
  .strict();
type Config = z.infer<typeof schema>;

interface Site {
  linear: Linear;
  side: 'input' | 'output';
  router: Router; // routes on the layer's input token representation
  L: tf.Variable; // [E, dim]: the experts' vectors
}

export const mov = technique<Config>({
  id: 'mov',
  name: 'MoV',
  category: 'mixture_of_experts',
  paper: { title: 'Pushing Mixture of Experts to the Limit: Extremely Parameter Efficient MoE for Instruction Tuning', year: 2023, arxiv: '2309.05444' },
  schema,
  // Not mergeable: ℓ(x) depends on the token, so no fixed rescaling of W reproduces it.
  properties: { identityAtInit: true, changesBase: false },
  lrMultiplier: 10, // (IA)³-style vectors train at about ten times full fine-tuning's rate (T-Few: 3e-3)
  apply(model, cfg, ctx) {
    const recorder = new MoeRecorder(model);
    const seeds = new SeedStream(ctx.seed + 7919);
    const targets = [
      ...model.find(cfg.outputTargets).map((l) => [l, 'output'] as const),
      ...model.find(cfg.inputTargets).map((l) => [l, 'input'] as const),
    ];
    if (targets.length === 0) throw new Error('No linear layer matches the technique\'s target modules.');
    const sites: Site[] = targets.map(([linear, side]) => ({
      linear,
      side,
      router: new Router(linear.dIn, cfg.experts, seeds.next()),
      L: tf.tidy(() => tf.variable(tf.ones([cfg.experts, side === 'output' ? linear.dOut : linear.dIn]), true)),
    }));
    const removers = sites.map((s) =>
      model.hooks.wrap(s.linear.name, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
        const x2 = tf.reshape(x, [-1, s.linear.dIn]) as tf.Tensor2D; // [N, d_in]
        const routed = s.router.route(x2, null);
        recorder.record(layerOf(s.linear.name), x, routed.load, cfg.experts);
        const l = tf.matMul(routed.gates, s.L); // [N, dim]: soft merge of the experts, Σ_e g_e ℓ_e
        if (s.side === 'input') return next(tf.reshape(tf.mul(x2, l), x.shape));
        const y = next(x);
        return tf.reshape(tf.mul(tf.reshape(y, [-1, s.linear.dOut]), l), y.shape);
      }),
    );
    const vars = () => sites.flatMap((s) => [s.router.W, s.L]);
    const named = (): Named =>
      sites.flatMap((s): Named => [
        [`${s.linear.name}.moe_router`, s.router.W],
        [`${s.linear.name}.mov_vectors`, s.L],
      ]);
    const groups = () => [{ vars: vars() }];
    return {
      paramGroups: groups,
      adapterState: () => cloneNamed(named()),
      loadAdapterState: (st) => loadNamed(named(), st),
      footprint: () => footprint(model, groups(), vars()),
      metrics: () => recorder.metrics(),
      dispose: () => {
        removers.forEach((r) => r());
        tf.dispose(vars());
        recorder.dispose();
      },
    };
  },
});
