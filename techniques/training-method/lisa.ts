// LISA (Pan et al., 2024): layerwise importance sampling — embeddings and head always train; every K steps γ random layers are unfrozen.
import type * as tf from '@tensorflow/tfjs';
import { footprint, sizeOf } from '../shared/footprint.js';
import { technique, z } from '../shared/config.js';
import { Rng } from '../../core/rng.js';

const schema = z
  .object({
    gamma: z.number().int().positive().default(2), // γ = 2 unfrozen layers, the paper's default
    // K: the paper tunes the sampling period per task; 20 steps gives our 150-step trials several switches.
    period: z.number().int().positive().default(20),
  })
  .strict();
type Config = z.infer<typeof schema>;

export const lisa = technique<Config>({
  id: 'lisa',
  name: 'LISA',
  category: 'training_method',
  paper: { title: 'LISA: Layerwise Importance Sampling for Memory-Efficient Large Language Model Fine-Tuning', year: 2024, arxiv: '2403.17919' },
  schema,
  properties: { identityAtInit: true, changesBase: true }, // full-parameter training of the sampled layers
  trainsHead: true, // the head trains with the embeddings (the paper's E and H)
  apply(model, cfg, ctx) {
    const layers = model.layerIndices().map((i) => model.named(`layers.${i}.**`).map(([, v]) => v));
    const inLayer = new Set(layers.flat());
    // Embeddings, norms outside the blocks and the heads: always trained (the paper's E and H).
    const always = [...model.params.values()].filter((v) => !inLayer.has(v));
    const rng = new Rng(ctx.seed + 101);
    const gamma = Math.min(cfg.gamma, layers.length);
    let active = new Set(rng.sample(layers.length, gamma));
    let switches = 0;
    const trainable = () => new Set([...always, ...[...active].flatMap((i) => layers[i])]);
    const groups = () => [{ vars: [...model.params.values()] }];
    return {
      // Every parameter is in the groups (the set changes during training); frozen layers' gradients are dropped.
      paramGroups: groups,
      transformGrads(grads) {
        const keep = trainable();
        return new Map([...grads].filter(([v]) => keep.has(v)));
      },
      onStep({ step, optimizer }) {
        if ((step + 1) % cfg.period !== 0) return;
        const next = new Set(rng.sample(layers.length, gamma));
        // Layers leaving the active set drop their Adam state: only γ layers' moments are ever held.
        optimizer.reset([...active].filter((i) => !next.has(i)).flatMap((i) => layers[i]));
        active = next;
        switches++;
      },
      adapterState: () => model.state(),
      loadAdapterState: (s) => model.load(s, { source: 'adapter state' }),
      footprint: () => footprint(model, groups(), [], { trainableParams: sizeOf([...trainable()] as tf.Tensor[]) }),
      metrics: () => ({ active_layers: active.size, layer_switches: switches }),
      dispose: () => {},
    };
  },
});
