// PEQA (Kim et al., 2023): the base quantized to INT-k, W = s·(q − z); only the quantization scales s are fine-tuned.
import * as tf from '@tensorflow/tfjs';
import { type Linear, dense } from '../../harness/model/module.js';
import { footprint } from '../shared/footprint.js';
import { technique, z } from '../shared/config.js';
import { IntKWeight } from './quant/packed-weight.js';
import { BLOCK_LINEARS, QuantizedBase, weightValues } from './quant/quantized-base.js';
import { cloneNamed, loadNamed, type Named } from '../shared/state.js';

export const peqaSchema = z
  .object({
    bits: z.union([z.literal(2), z.literal(3), z.literal(4), z.literal(8)]).default(4), // the paper's 4-bit (3-bit also reported)
    group: z.number().int().min(0).default(0), // 0 = per output channel, the paper's main setting (grouping is its ablation)
    quantize: z.string().default(BLOCK_LINEARS), // every linear of the blocks; embeddings, norms, heads stay fp32
  })
  .strict();
export type PeqaConfig = z.infer<typeof peqaSchema>;

export const peqa = technique<PeqaConfig>({
  id: 'peqa',
  name: 'PEQA',
  category: 'quantization',
  paper: { title: 'Memory-Efficient Fine-Tuning of Compressed Large Language Models via sub-4-bit Integer Quantization', year: 2023, arxiv: '2305.14152' },
  schema: peqaSchema,
  // Quantizing changes outputs at init; the fp32 weights stay untouched (kept for the disable path, see quantized-base.ts).
  properties: { identityAtInit: false, changesBase: false },
  // No multiplier: each scale multiplies a whole channel of the weight, so it takes a full fine-tuning-sized rate.
  apply(model, cfg) {
    const scales = new Map<string, tf.Variable>(); // [nGroups, 1, d_out] per layer: the only trained part of the base
    // Asymmetric min-max RTN per channel (PEQA Eq. 2): W = s·(q − z); q and z stay frozen.
    const quantize = (l: Linear) => new IntKWeight(weightValues(l), l.dIn, l.dOut, { bits: cfg.bits, group: cfg.group, symmetric: false });
    const base = new QuantizedBase(model, model.find(cfg.quantize), quantize, (x, { linear, weight }) => {
      const w = weight as IntKWeight;
      const g = w.grid.group;
      const centred = tf.tensor3d(w.centered(), [linear.dIn / g, g, linear.dOut]); // (q − z): [nGroups, g, d_out]
      const W = tf.reshape(tf.mul(centred, scales.get(linear.name)!), [linear.dIn, linear.dOut]);
      return dense(x, W, linear.bias);
    });
    for (const { linear, weight } of base.layers) {
      const { scale, group } = (weight as IntKWeight).grid;
      scales.set(linear.name, tf.tidy(() => tf.variable(tf.tensor3d(scale, [linear.dIn / group, 1, linear.dOut]), true)));
    }
    const groups = () => [{ vars: [...scales.values()] }];
    const named = (): Named => [...scales].map(([name, s]) => [`${name}.peqa_scale`, s]);
    return {
      paramGroups: groups,
      adapterState: () => cloneNamed(named()),
      loadAdapterState: (st) => loadNamed(named(), st),
      // The trained scales replace the packed ones (same count, fp32), so the base's bytes are unchanged.
      footprint: () => footprint(model, groups(), [], { baseBytes: base.baseBytes() }),
      metrics: () => base.metrics(),
      dispose: () => {
        base.dispose();
        tf.dispose([...scales.values()]);
      },
    };
  },
});
