// Prompt tuning (Lester et al., 2021): l trainable soft-prompt vectors prepended to the embedded input, initialised from real tokens.
import * as tf from '@tensorflow/tfjs';
import type { ApplyContext } from '../../harness/plugin.js';
import type { Embedded, Model } from '../../harness/model/model.js';
import { Rng } from '../../core/rng.js';
import { footprint } from '../shared/footprint.js';
import { technique, z } from '../shared/config.js';
import { cloneNamed, loadNamed } from '../shared/state.js';

const schema = z
  .object({
    length: z.number().int().positive().default(20), // Fig. 3(a): gains flatten beyond 20 prompt tokens
    // Fig. 3(b): "sampled vocab" init (embeddings of common tokens) beats random uniform; `random` is the paper's baseline.
    init: z.enum(['vocab', 'random']).default('vocab'),
  })
  .strict();
type Config = z.infer<typeof schema>;

type EmbedIn = { ids: tf.Tensor2D; mask: tf.Tensor2D };

/**
 * l rows of the embedded training input [l, d] at randomly chosen real-token positions: tokens drawn by corpus frequency
 * (the paper samples among the 5,000 most common), embedded as the model embeds them (positions and norm included).
 */
function sampledTokenEmbeddings(model: Model, ctx: ApplyContext, l: number): tf.Tensor2D {
  const [batch] = ctx.sampleBatches(1);
  const cap: { rows?: tf.Tensor2D } = {};
  const remove = model.hooks.wrap('embed', (inp: EmbedIn, next: (inp: EmbedIn) => Embedded) => {
    const e = next(inp);
    cap.rows = tf.keep(tf.reshape(e.h, [-1, e.h.shape[2]!]) as tf.Tensor2D); // [B·S, d]
    return e;
  });
  try {
    tf.tidy(() => model.hidden(batch.ids, batch.mask));
  } finally {
    remove();
  }
  const mask = batch.mask.dataSync();
  const real = Array.from(mask.keys()).filter((i) => mask[i] > 0);
  const rng = new Rng(ctx.seed + 2903);
  const picked = l <= real.length ? rng.sample(real.length, l) : Array.from({ length: l }, () => rng.int(real.length));
  const out = tf.tidy(() => tf.gather(cap.rows!, tf.tensor1d(picked.map((k) => real[k]), 'int32')) as tf.Tensor2D);
  tf.dispose([cap.rows!, batch.ids, batch.mask, batch.labels]);
  return out;
}

export const prompt = technique<Config>({
  id: 'prompt',
  name: 'Prompt tuning',
  category: 'adapter',
  paper: { title: 'The Power of Scale for Parameter-Efficient Prompt Tuning', year: 2021, arxiv: '2104.08691' },
  schema,
  // The prompt changes every position's context from the start: not the base model until trained away.
  properties: { identityAtInit: false, changesBase: false },
  // The paper trains prompts at 0.3 (Adafactor), far above model tuning's rates; ×30 under AdamW.
  lrMultiplier: 30,
  apply(model, cfg, ctx) {
    const l = cfg.length;
    const d = model.config.dModel;
    const P = tf.tidy(() =>
      tf.variable(cfg.init === 'vocab' ? sampledTokenEmbeddings(model, ctx, l) : tf.randomUniform([l, d], -0.5, 0.5, 'float32', ctx.seed + 2903), true),
    ); // [l, d]
    // The model strips `prefix` positions from its outputs, so the encoder's head still reads the first input token and
    // the decoder's its last real token.
    const remove = model.hooks.wrap('embed', (inp: EmbedIn, next: (inp: EmbedIn) => Embedded): Embedded => {
      const e = next(inp);
      const B = e.h.shape[0];
      return {
        h: tf.concat([tf.tile(tf.expandDims(P, 0), [B, 1, 1]), e.h], 1), // [B, l+S, d]
        mask: tf.concat([tf.ones([B, l], e.mask.dtype), e.mask], 1),
        prefix: e.prefix + l,
      };
    });
    const groups = () => [{ vars: [P] }];
    return {
      paramGroups: groups,
      adapterState: () => cloneNamed([['embed.prompt', P]]),
      loadAdapterState: (s) => loadNamed([['embed.prompt', P]], s),
      footprint: () => footprint(model, groups(), [P]),
      dispose: () => {
        remove();
        P.dispose();
      },
    };
  },
});
