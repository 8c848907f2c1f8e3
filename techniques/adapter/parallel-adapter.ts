// Parallel adapter (He et al., 2021): a bottleneck beside every FFN, x ↦ ffn(x) + s · up(relu(down(x))).
import * as tf from '@tensorflow/tfjs';
import { SeedStream } from '../../harness/model/module.js';
import { footprint } from '../shared/footprint.js';
import { Bottleneck, BottleneckSet } from '../shared/bottleneck.js';
import { technique, z } from '../shared/config.js';

const schema = z
  .object({
    // The paper's FFN parallel adapter (MAM adapter) has 512 units on d = 1024 (BART-large): d/2. `size` overrides (> 0).
    reduction: z.number().positive().default(2),
    size: z.number().int().min(0).default(0),
    scale: z.number().positive().default(4), // the paper finds s = 4 better than the plain sum (s = 1) for FFN modifications
    act: z.enum(['relu', 'gelu']).default('relu'),
  })
  .strict();
type Config = z.infer<typeof schema>;

export const parallelAdapter = technique<Config>({
  id: 'parallel-adapter',
  name: 'Parallel adapter',
  category: 'adapter',
  paper: { title: 'Towards a Unified View of Parameter-Efficient Transfer Learning', year: 2021, arxiv: '2110.04366' },
  schema,
  properties: { identityAtInit: true, changesBase: false },
  // New zero-initialised modules train at larger rates than full fine-tuning, as for LoRA (×10).
  lrMultiplier: 10,
  apply(model, cfg, ctx) {
    const d = model.config.dModel;
    const m = cfg.size > 0 ? cfg.size : Math.max(1, Math.round(d / cfg.reduction));
    const seeds = new SeedStream(ctx.seed + 6151);
    const set = new BottleneckSet();
    for (const i of model.layerIndices()) {
      const point = `layers.${i}.ffn`;
      // The authors' code initialises the adapter like LoRA: down Kaiming-uniform, up zero.
      const b = new Bottleneck({ d, m, act: cfg.act, downInit: 'kaiming', std: 0, seed: seeds.next() });
      set.add(point, b, model.hooks.wrap(point, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => tf.add(next(x), tf.mul(b.forward(x), cfg.scale))));
    }
    const groups = () => [{ vars: set.vars() }];
    return {
      paramGroups: groups,
      adapterState: () => set.state(),
      loadAdapterState: (s) => set.load(s),
      footprint: () => footprint(model, groups(), set.vars()),
      dispose: () => set.dispose(),
    };
  },
});
