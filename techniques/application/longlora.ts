// LongLoRA (Chen et al., 2023): LoRA on attention plus trainable embeddings and norms, trained with shifted sparse attention (S²-Attn).
import * as tf from '@tensorflow/tfjs';
import { footprint } from '../shared/footprint.js';
import { cloneNamed, loadNamed } from '../shared/state.js';
import { loraAdapter } from '../shared/delta-layer.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    r: z.number().int().positive().default(8), // the paper's LoRA rank
    alpha: z.number().positive().default(16), // α = 16 in the paper's code (scale 2)
    dropout: z.number().min(0).max(0.9).default(0), // lora_dropout=0 in the paper's fine-tune.py (long-context LM fine-tuning)
    targets: z.string().default('layers.*.attn.{q,k,v,o}'), // all four attention projections (§3.3)
    // S²-Attn group size as a share of the training length: 2048 tokens for 8192 (Table 6's default, 1/4). On the
    // small bases here, whose 2x contexts are 128-256 tokens, 1/2 fine-tunes better (docs/results.md, long-context).
    groupRatio: z.number().gt(0).max(1).default(0.25),
    // Not in the paper, whose smallest group is 2048 tokens: S²-Attn is for long inputs, and a sequence whose groups
    // would be shorter than this trains with full attention (tiny groups train a model that full attention then breaks).
    minGroup: z.number().int().min(2).default(16),
    // "LoRA+": embeddings and normalisation layers train too (Table 2: without them LoRA does not adapt to long context).
    trainable: z.string().default('{embed.**,**norm.weight}'),
    // Those base weights train at full fine-tuning's rate (the paper uses one lr, 2e-5, for LoRA+ and full FT alike),
    // not at the ×10 this plugin's adapters get: a scale of 1 / lrMultiplier.
    baseLrScale: z.number().positive().default(0.1),
  })
  .strict();
type Config = z.infer<typeof schema>;

/**
 * S²-Attn as an additive score bias [1, H, T, S]: queries see only keys of their own group of G positions; in the
 * second half of the heads the groups are shifted by G/2, so information flows between neighbouring groups.
 * The paper rolls those heads' tokens by -G/2 instead, which puts the last half-group and the first one into one group
 * (and, under a causal mask, lets the first tokens see the last); here the first and last half-groups stay groups of
 * their own, so the bias only ever removes keys and never lets a token see its future.
 */
export function shiftedGroupBias(H: number, T: number, S: number, G: number): tf.Tensor4D {
  const bias = new Float32Array(H * T * S);
  const half = Math.floor(G / 2);
  for (let h = 0; h < H; h++) {
    const shift = h < H / 2 ? 0 : half;
    const group = (p: number) => Math.floor((p + shift) / G);
    for (let t = 0; t < T; t++) {
      const q = group(S - T + t); // query t sits at absolute position S - T + t
      for (let s = 0; s < S; s++) if (group(s) !== q) bias[(h * T + t) * S + s] = -1e9;
    }
  }
  return tf.tensor4d(bias, [1, H, T, S]);
}

export const longlora = technique<Config>({
  id: 'longlora',
  name: 'LongLoRA',
  category: 'application',
  paper: { title: 'LongLoRA: Efficient Fine-tuning of Long-Context Large Language Models', year: 2023, arxiv: '2309.12307' },
  schema,
  // Embeddings and norms are base weights that train, so disabling the hooks does not give the base back.
  properties: { identityAtInit: true, changesBase: true },
  lrMultiplier: 10, // as LoRA: the paper trains LoRA+ at 2e-5 against full fine-tuning's 2e-5 at 7B scale, but from B = 0
  unsupported: (model) =>
    model.family === 'decoder' ? null : 'LongLoRA extends context by RoPE position interpolation; the encoder has learned absolute positions',
  apply(model, cfg, ctx) {
    const adapter = loraAdapter(model, model.find(cfg.targets), { r: cfg.r, scale: cfg.alpha / cfg.r, dropout: cfg.dropout, seed: ctx.seed });
    const extra = model.named(cfg.trainable).filter(([n]) => !n.startsWith('head.'));
    const removers = model.layerIndices().map((i) =>
      model.hooks.wrap(`layers.${i}.attn.qkv`, (z: { q: tf.Tensor; k: tf.Tensor; v: tf.Tensor; bias: tf.Tensor }, next: (z: any) => any) => {
        if (!model.training) return next(z); // evaluation uses full attention
        const [, H, T] = z.q.shape;
        const S = z.k.shape[2]!;
        const G = Math.round(cfg.groupRatio * T);
        if (G < cfg.minGroup || G >= T) return next(z);
        return next({ ...z, bias: tf.add(z.bias, shiftedGroupBias(H, T, S, G)) });
      }),
    );
    // No weight decay on embeddings and norm gains (it would pull the gains towards 0).
    const groups = () => [...adapter.groups(), { vars: extra.map(([, v]) => v), weightDecay: 0, lrScale: cfg.baseLrScale }];
    return {
      paramGroups: groups,
      merge: () => adapter.merge(),
      adapterState: () => ({ ...adapter.state(), ...cloneNamed(extra) }),
      loadAdapterState: (s) => {
        adapter.load(s);
        loadNamed(extra, s);
      },
      footprint: () => footprint(model, groups(), adapter.vars()),
      dispose: () => {
        removers.forEach((r) => r());
        adapter.dispose();
      },
    };
  },
});
