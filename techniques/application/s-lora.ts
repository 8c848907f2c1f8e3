// S-LoRA (Sheng et al., 2023): LoRA trained as usual, served unmerged: one batch, a different adapter per row, measured against merging per request.
import * as tf from '@tensorflow/tfjs';
import { SeedStream } from '../../harness/model/module.js';
import { loraAdapter, type LoraAdapter } from '../shared/delta-layer.js';
import { applied } from '../shared/applied.js';
import { technique, z } from '../shared/config.js';
import { forwardMergedPerRequest, forwardUnmerged, type AdapterPairs } from './serving/multi-lora.js';

const schema = z
  .object({
    r: z.number().int().positive().default(8),
    alpha: z.number().positive().default(8),
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.attn.{q,k,v,o}'), // the paper serves adapters on all attention projections
    adapterCounts: z.array(z.number().int().positive()).default([1, 4, 16]), // adapters served at once
    requests: z.number().int().positive().default(16), // rows of the served batch
    // The served adapters are the trained one plus seeded copies, each entry perturbed by this share of its tensor's std.
    perturbation: z.number().min(0).default(0.1),
    repeats: z.number().int().positive().default(3), // timed passes per measurement (after one warm-up)
  })
  .strict();
type Config = z.infer<typeof schema>;

/** n adapters: the trained pairs, then copies with seeded Gaussian perturbations (tensors the caller disposes). */
export function perturbedCopies(adapter: LoraAdapter, n: number, share: number, seed: number): AdapterPairs[] {
  const seeds = new SeedStream(seed);
  return Array.from({ length: n }, (_, i) =>
    new Map(adapter.layers.map(({ linear, vars }) => {
      const jitter = (v: tf.Tensor2D) => tf.tidy(() => {
        if (i === 0) return tf.clone(v);
        const std = tf.sqrt(tf.moments(v).variance);
        return tf.add(v, tf.mul(tf.randomNormal(v.shape, 0, 1, 'float32', seeds.next()), tf.mul(std, share))) as tf.Tensor2D;
      });
      return [linear.name, { A: jitter(vars.lora_A as tf.Tensor2D), B: jitter(vars.lora_B as tf.Tensor2D) }];
    })),
  );
}

export const sLora = technique<Config>({
  id: 's-lora',
  name: 'S-LoRA',
  category: 'application',
  paper: { title: 'S-LoRA: Serving Thousands of Concurrent LoRA Adapters', year: 2023, arxiv: '2311.03285' },
  schema,
  properties: { identityAtInit: true, changesBase: false },
  lrMultiplier: 10, // trains as LoRA
  apply(model, cfg, ctx) {
    const scale = cfg.alpha / cfg.r;
    const adapter = loraAdapter(model, model.find(cfg.targets), { r: cfg.r, scale, dropout: cfg.dropout, seed: ctx.seed });
    const linears = adapter.layers.map((l) => l.linear);
    return {
      ...applied(model, adapter),
      /** Sequences per second served unmerged (one batched pass) and merged per request, for each adapter count. */
      metrics() {
        const [b] = ctx.sampleBatches(1);
        const rowsOf = (t: tf.Tensor2D) => tf.tidy(() => tf.gather(t, tf.tensor1d(Array.from({ length: cfg.requests }, (_, i) => i % t.shape[0]), 'int32')) as tf.Tensor2D);
        const ids = rowsOf(b.ids), mask = rowsOf(b.mask);
        tf.dispose([b.ids, b.mask, b.labels]);
        const out: Record<string, number> = {};
        for (const n of cfg.adapterCounts) {
          const adapters = perturbedCopies(adapter, n, cfg.perturbation, ctx.seed + n);
          const rowAdapter = Array.from({ length: cfg.requests }, (_, i) => i % n);
          const timed = (kind: string, run: () => tf.Tensor3D) => {
            run().dispose(); // warm-up
            const t0 = performance.now();
            for (let k = 0; k < cfg.repeats; k++) {
              const y = run();
              y.dataSync(); // wait for the kernels
              y.dispose();
            }
            out[`throughput.${kind}.n${n}`] = (cfg.requests * cfg.repeats) / ((performance.now() - t0) / 1000);
          };
          const unmerged = () => forwardUnmerged(model, linears, adapters, scale, ids, mask, rowAdapter);
          const merged = () => forwardMergedPerRequest(model, linears, adapters, scale, ids, mask, rowAdapter);
          timed('unmerged', unmerged);
          timed('merged', merged);
          const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(unmerged(), merged()))));
          out[`serving.max_abs_diff.n${n}`] = diff.dataSync()[0];
          tf.dispose([diff, ...adapters.flatMap((a) => [...a.values()].flatMap((p) => [p.A, p.B]))]);
        }
        tf.dispose([ids, mask]);
        return out;
      },
    };
  },
});
