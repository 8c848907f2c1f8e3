// VeRA (Kopiczko et al., 2023): one frozen random pair A, B shared by every layer; each layer trains only d and b: ΔW = A Λ_d B Λ_b.
import * as tf from '@tensorflow/tfjs';
import { DeltaAdapter, initVar, kaiming, type DeltaKind } from '../shared/delta-layer.js';
import { applied } from '../shared/applied.js';
import { technique, z } from '../shared/config.js';

export const veraSchema = z
  .object({
    r: z.number().int().positive().default(256), // the paper's GLUE rank for RoBERTa-large (1024 for base); r may exceed d
    dInit: z.number().default(0.1), // d starts small and non-zero; b = 0 makes ΔW = 0 (the paper's ablation favours a small d_init)
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.attn.{q,v}'), // the paper adapts query and value like LoRA
    projectionSeed: z.number().int().nonnegative().default(0), // A, B are regenerated from this seed: the adapter stores only it
  })
  .strict();
export type VeraConfig = z.infer<typeof veraSchema>;

/** The shared frozen pair, sized for the largest layer: A [max d_in, r], B [r, max d_out], Kaiming-uniform on the full shapes. */
export function veraProjections(maxIn: number, maxOut: number, r: number, seed: number): { A: tf.Variable; B: tf.Variable } {
  return {
    A: initVar(() => kaiming([maxIn, r], maxIn, seed), false),
    B: initVar(() => kaiming([r, maxOut], r, seed + 1), false),
  };
}

/** VeRA's layer: the top-left corner of the shared A, B, scaled by the trained d [r] (starts at dInit) and b [d_out] (starts at 0). */
export function veraLayer(cfg: VeraConfig, shared: { A: tf.Variable; B: tf.Variable }): DeltaKind {
  return (linear) => {
    const A = () => tf.slice(shared.A, [0, 0], [linear.dIn, cfg.r]) as tf.Tensor2D; // [d_in, r]
    const B = () => tf.slice(shared.B, [0, 0], [cfg.r, linear.dOut]) as tf.Tensor2D; // [r, d_out]
    const d = initVar(() => tf.fill([cfg.r], cfg.dInit));
    const b = initVar(() => tf.zeros([linear.dOut]));
    return {
      vars: { vera_lambda_d: d, vera_lambda_b: b },
      delta: () => tf.tidy(() => tf.mul(tf.matMul(tf.mul(A(), d), B()), b) as tf.Tensor2D),
      apply: (x) => tf.mul(tf.matMul(tf.mul(tf.matMul(x, A()), d), B()), b) as tf.Tensor2D,
    };
  };
}

/** The paper's RoBERTa-base rate for d and b (4e-3 on SST-2) is 8× LoRA's (5e-4) on the same task. */
const VECTOR_LR_SCALE = 8;

export const vera = technique<VeraConfig>({
  id: 'vera',
  name: 'VeRA',
  category: 'adapter',
  paper: { title: 'VeRA: Vector-based Random Matrix Adaptation', year: 2023, arxiv: '2310.11454' },
  schema: veraSchema,
  properties: { identityAtInit: true, changesBase: false },
  // LoRA's rate for the task head; the vectors train VECTOR_LR_SCALE times faster.
  lrMultiplier: 10,
  apply(model, cfg, ctx) {
    const targets = model.find(cfg.targets);
    const shared = veraProjections(
      Math.max(1, ...targets.map((l) => l.dIn)),
      Math.max(1, ...targets.map((l) => l.dOut)),
      cfg.r,
      cfg.projectionSeed,
    );
    const adapter = new DeltaAdapter(model, targets, veraLayer(cfg, shared), { dropout: cfg.dropout, seed: ctx.seed });
    // The frozen projections shared by every layer: counted as added parameters, disposed with the adapter.
    const projections = { params: () => [shared.A, shared.B], dispose: () => tf.dispose([shared.A, shared.B]) };
    const base = applied(model, adapter, projections);
    return {
      ...base,
      paramGroups: () => [{ vars: adapter.vars(), lrScale: VECTOR_LR_SCALE }],
      adapterState: () => ({ ...base.adapterState(), 'vera.projection_seed': tf.scalar(cfg.projectionSeed, 'int32') }),
      loadAdapterState: (s) => {
        const seed = s['vera.projection_seed']?.dataSync()[0];
        if (seed !== cfg.projectionSeed) {
          throw new Error(`The VeRA adapter state was made with projectionSeed ${seed}; set the config's projectionSeed to it.`);
        }
        base.loadAdapterState(s);
      },
    };
  },
});
