// Adapter (Houlsby et al., 2019): a residual bottleneck h ↦ h + up(f(down(h))) on the output of every attention and FFN sub-layer.
import * as tf from '@tensorflow/tfjs';
import { SeedStream } from '../../harness/model/module.js';
import { footprint } from '../shared/footprint.js';
import { cloneNamed, loadNamed } from '../shared/state.js';
import { Bottleneck, BottleneckSet } from '../shared/bottleneck.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    // The paper sweeps m ∈ {8, 64, 256} on BERT (d = 768), ratios 96–3; our bases are 6–12× narrower, so d/4 keeps
    // m at 16–32 units, within the paper's absolute range. `size` overrides when set (> 0).
    reduction: z.number().positive().default(4),
    size: z.number().int().min(0).default(0),
    act: z.enum(['gelu', 'relu']).default('gelu'), // the reference code (google-research/adapter-bert) uses GELU
    // "Near-identity" init: the reference draws down from N(0, 1e-3²); Fig. 6 is flat for std ≤ 1e-2.
    initStd: z.number().positive().default(1e-3),
    // §2.1: "we also train the layer normalization parameters"; this changes base weights (see properties).
    trainLayerNorm: z.boolean().default(true),
  })
  .strict();
type Config = z.infer<typeof schema>;

/** The model's normalisation gains/biases (LayerNorm or RMSNorm), not the LM head's (unused by the task). */
const isNorm = (name: string) => /norm\.(weight|bias)$/.test(name) && !name.startsWith('lm_head.');

export const houlsby = technique<Config>({
  id: 'houlsby',
  name: 'Adapter (Houlsby)',
  category: 'adapter',
  paper: { title: 'Parameter-Efficient Transfer Learning for NLP', year: 2019, arxiv: '1902.00751' },
  schema,
  // Trained layer norms are base weights, so by default disabling the hooks removes the bottlenecks but keeps the
  // tuned norms; with trainLayerNorm false the base stays untouched and disable restores it exactly.
  properties: { identityAtInit: true, changesBase: true },
  // The paper sweeps adapter rates up to 3e-3, above BERT fine-tuning's usual 2e-5–5e-5; ×10 as for LoRA.
  lrMultiplier: 10,
  apply(model, cfg, ctx) {
    const d = model.config.dModel;
    const m = cfg.size > 0 ? cfg.size : Math.max(1, Math.round(d / cfg.reduction));
    const seeds = new SeedStream(ctx.seed + 4099);
    const set = new BottleneckSet();
    for (const i of model.layerIndices()) {
      for (const point of [`layers.${i}.attn`, `layers.${i}.ffn`]) {
        const b = new Bottleneck({ d, m, act: cfg.act, downInit: 'normal', std: cfg.initStd, seed: seeds.next() });
        // Applied to the sub-layer's output before the residual add (the paper's Fig. 2).
        set.add(point, b, model.hooks.wrap(point, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
          const h = next(x);
          return tf.add(h, b.forward(h));
        }));
      }
    }
    const norms = cfg.trainLayerNorm ? model.named().filter(([n]) => isNorm(n)) : [];
    const groups = () => [{ vars: set.vars() }, { vars: norms.map(([, v]) => v) }].filter((g) => g.vars.length > 0);
    return {
      paramGroups: groups,
      adapterState: () => ({ ...set.state(), ...cloneNamed(norms) }),
      loadAdapterState: (s) => {
        set.load(s);
        loadNamed(norms, s);
      },
      footprint: () => footprint(model, groups(), set.vars()),
      dispose: () => set.dispose(),
    };
  },
});
