// Prefix-tuning (Li & Liang, 2021): l trainable key/value prefixes per layer, P = MLP(P') while training, plain P after merge.
import * as tf from '@tensorflow/tfjs';
import { SeedStream } from '../../harness/model/module.js';
import { footprint } from '../shared/footprint.js';
import { technique, z } from '../shared/config.js';
import { loadNamed, type Named } from '../shared/state.js';

const schema = z
  .object({
    length: z.number().int().positive().default(10), // the paper's table-to-text prefix length
    // §4.3: optimising P directly is unstable; P = MLP(P') with P' [l, d] through a 2-layer tanh MLP. Merging (or saving)
    // keeps only P. The authors' MLP has 512 hidden units on GPT-2 medium (d = 1024): d/2, used when `hidden` is 0.
    reparam: z.boolean().default(true),
    hidden: z.number().int().min(0).default(0),
  })
  .strict();
type Config = z.infer<typeof schema>;

type Qkv = { q: tf.Tensor; k: tf.Tensor; v: tf.Tensor; bias: tf.Tensor };

const uniform = (shape: number[], fanIn: number, seed: number) =>
  tf.tidy(() => tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), 'float32', seed), true));

export const prefix = technique<Config>({
  id: 'prefix',
  name: 'Prefix-tuning',
  category: 'adapter',
  paper: { title: 'Prefix-Tuning: Optimizing Continuous Prompts for Generation', year: 2021, arxiv: '2101.00190' },
  schema,
  // Random prefixes already attract attention at init: not the base model until trained.
  properties: { identityAtInit: false, changesBase: false },
  // Prefixes are trained from scratch; like the other adapters, ×10 the full fine-tuning rate.
  lrMultiplier: 10,
  apply(model, cfg, ctx) {
    const { dModel: d, nHeads: H } = model.config;
    const L = model.config.nLayers;
    const l = cfg.length;
    const hidden = cfg.hidden > 0 ? cfg.hidden : Math.max(1, Math.round(d / 2));
    const seeds = new SeedStream(ctx.seed + 3571);
    // Training-time reparameterisation: P' [l, d] → tanh(P' W1 + b1) W2 + b2 → [l, L·2·d] (layer-major, keys then values).
    let mlp: { p0: tf.Variable; w1: tf.Variable; b1: tf.Variable; w2: tf.Variable; b2: tf.Variable } | null = cfg.reparam
      ? {
          p0: tf.tidy(() => tf.variable(tf.randomNormal([l, d], 0, 1, 'float32', seeds.next()), true)), // nn.Embedding's N(0, 1)
          w1: uniform([d, hidden], d, seeds.next()), // nn.Linear's U(±1/√fan_in)
          b1: tf.tidy(() => tf.variable(tf.zeros([hidden]), true)),
          w2: uniform([hidden, L * 2 * d], hidden, seeds.next()),
          b2: tf.tidy(() => tf.variable(tf.zeros([L * 2 * d]), true)),
        }
      : null;
    // Plain prefixes, one [l, d] key and value matrix per layer: trained directly without reparam, or after merge/load.
    let plain: { k: tf.Variable; v: tf.Variable }[] | null = mlp
      ? null
      : model.layerIndices().map(() => ({ k: uniform([l, d], d, seeds.next()), v: uniform([l, d], d, seeds.next()) }));

    /** Layer i's prefixes [l, d] each. With the MLP, only layer i's columns of W2 are multiplied. */
    function prefixes(i: number): [tf.Tensor, tf.Tensor] {
      if (plain) return [plain[i].k, plain[i].v];
      const { p0, w1, b1, w2, b2 } = mlp!;
      const z = tf.tanh(tf.add(tf.matMul(p0, w1), b1)); // [l, hidden]
      const kv = tf.add(tf.matMul(z, tf.slice(w2, [0, i * 2 * d], [-1, 2 * d])), tf.slice(b2, [i * 2 * d], [2 * d])); // [l, 2d]
      return tf.split(kv, 2, 1) as [tf.Tensor, tf.Tensor];
    }

    /** [l, d] → [B, H, l, hd] */
    const heads = (p: tf.Tensor, B: number) => tf.tile(tf.expandDims(tf.transpose(tf.reshape(p, [l, H, d / H]), [1, 0, 2]), 0), [B, 1, 1, 1]);

    // Every query of every layer sees the l prefix positions: keys/values prepended along the sequence axis, score bias
    // extended with zeros (visible to all queries, causal or not). RoPE: prefix keys are free vectors in the rotated
    // space (as cached past keys are in HF LLaMA) and carry no position; real tokens keep positions 0..S-1.
    const removers = model.layerIndices().map((i) =>
      model.hooks.wrap(`layers.${i}.attn.qkv`, (z: Qkv, next: (z: Qkv) => Qkv) => {
        const B = z.k.shape[0];
        const [pk, pv] = prefixes(i);
        const [b0, b1, T] = z.bias.shape;
        return next({
          q: z.q,
          k: tf.concat([heads(pk, B), z.k], 2),
          v: tf.concat([heads(pv, B), z.v], 2),
          bias: tf.concat([tf.zeros([b0, b1, T!, l]), z.bias], 3),
        });
      }),
    );

    /** P = MLP(P') as plain variables; the MLP is dropped. A second call does nothing. */
    function merge(): void {
      if (plain) return;
      plain = model.layerIndices().map((i) => tf.tidy(() => {
        const [k, v] = prefixes(i);
        return { k: tf.variable(k, true), v: tf.variable(v, true) };
      }));
      tf.dispose(Object.values(mlp!));
      mlp = null;
    }

    const vars = (): tf.Variable[] => (plain ? plain.flatMap((p) => [p.k, p.v]) : Object.values(mlp!));
    const groups = () => [{ vars: vars() }];
    const key = (i: number, kv: 'k' | 'v') => `layers.${i}.attn.prefix_${kv}`;
    return {
      paramGroups: groups,
      merge,
      // What is saved is the inference-time prefix P, never the reparameterisation.
      adapterState: () => {
        const s: Record<string, tf.Tensor> = {};
        for (const i of model.layerIndices()) {
          const [k, v] = tf.tidy(() => prefixes(i).map((p) => tf.clone(p)));
          s[key(i, 'k')] = k;
          s[key(i, 'v')] = v;
        }
        return s;
      },
      loadAdapterState: (s) => {
        merge(); // the plain prefixes [l, d] are what the state holds
        loadNamed(model.layerIndices().flatMap((i): Named => [[key(i, 'k'), plain![i].k], [key(i, 'v'), plain![i].v]]), s);
      },
      footprint: () => footprint(model, groups(), vars()),
      dispose: () => {
        removers.forEach((r) => r());
        tf.dispose(vars());
      },
    };
  },
});
