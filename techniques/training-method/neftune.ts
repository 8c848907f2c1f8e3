// NEFTune (Jain et al., 2023): full fine-tuning with uniform noise of scale α/√(L·d) added to the input embeddings while training.
import * as tf from '@tensorflow/tfjs';
import type { Embedded } from '../../harness/model/model.js';
import { footprint } from '../shared/footprint.js';
import { technique, z } from '../shared/config.js';
import { Rng } from '../../core/rng.js';

const schema = z
  .object({
    alpha: z.number().min(0).default(5), // the paper's α ∈ {5, 10, 15}; 5 is its most used setting
  })
  .strict();
type Config = z.infer<typeof schema>;

/**
 * h + ε · α/√(L·d) with ε ~ U(−1, 1) on real tokens, L the example's length (mask sum) and d the width, as in the
 * paper's reference code. h [B,S,d], mask [B,S].
 */
export function neftuneNoise(h: tf.Tensor, mask: tf.Tensor, alpha: number, seed: number): tf.Tensor {
  return tf.tidy(() => {
    const d = h.shape[2]!;
    const L = tf.sum(mask, 1, true); // [B,1]
    const mag = tf.div(alpha, tf.sqrt(tf.mul(tf.maximum(L, 1), d))); // [B,1]
    const eps = tf.randomUniform(h.shape, -1, 1, 'float32', seed);
    return tf.add(h, tf.mul(eps, tf.expandDims(tf.mul(mask, mag), 2)));
  });
}

export const neftune = technique<Config>({
  id: 'neftune',
  name: 'NEFTune',
  category: 'training_method',
  paper: { title: 'NEFTune: Noisy Embeddings Improve Instruction Finetuning', year: 2023, arxiv: '2310.05914' },
  schema,
  // The paper fine-tunes every parameter; the noise is a training-time regulariser only, so eval outputs start at the base.
  properties: { identityAtInit: true, changesBase: true },
  trainsHead: true, // every weight trains, the head among them
  apply(model, cfg, ctx) {
    const rng = new Rng(ctx.seed + 31);
    // The encoder's hook point is after its embedding LayerNorm, the decoder's is the raw token embedding (the paper's place).
    const remove = model.hooks.wrap('embed', (input: { ids: tf.Tensor2D; mask: tf.Tensor2D }, next: (i: typeof input) => Embedded) => {
      const e = next(input);
      if (!model.training || cfg.alpha === 0) return e;
      return { ...e, h: neftuneNoise(e.h, e.mask, cfg.alpha, rng.int(2 ** 31)) };
    });
    const groups = () => [{ vars: [...model.params.values()] }];
    return {
      paramGroups: groups,
      adapterState: () => model.state(),
      loadAdapterState: (s) => model.load(s, { source: 'adapter state' }),
      footprint: () => footprint(model, groups()),
      dispose: remove,
    };
  },
});
