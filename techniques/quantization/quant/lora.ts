// The fp32 LoRA the quantization plugins put on top of a quantized base, with dropout drawn from a seeded stream.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../../harness/model/model.js';
import type { Linear } from '../../../harness/model/module.js';
import { SeedStream } from '../../../harness/model/module.js';
import type { Applied } from '../../../harness/plugin.js';
import { LoraAdapter, type LoraOptions } from '../../shared/lora-layer.js';
import { footprint } from '../../shared/footprint.js';
import type { QuantizedBase } from './quantized-base.js';

/**
 * A LoraAdapter whose dropout masks come from a stream seeded by `opts.seed`, so a run is reproducible (unseeded
 * tf.dropout is not). Construct it after the QuantizedBase: its wrapper then sits outside, adding s·A B to x·Ŵ.
 */
export function seededLora(model: Model, targets: Linear[], opts: LoraOptions): LoraAdapter {
  const seeds = new SeedStream(opts.seed + 104729);
  return new LoraAdapter(model, targets, { ...opts, dropout: 0 }, (x, p) => {
    const xd = model.training && opts.dropout > 0 ? tf.dropout(x, opts.dropout, undefined, seeds.next()) : x;
    return tf.matMul(tf.matMul(xd, p.A), p.B);
  });
}

/**
 * The Applied of "LoRA on a quantized base": trains the pairs, saves them, reports the packed base's
 * bytes. No merge: folding ΔW into the base would re-quantize W + ΔW and change the outputs (QA-LoRA's point).
 */
export function quantLoraApplied(model: Model, base: QuantizedBase, adapter: LoraAdapter, extraMetrics: () => Record<string, number> = () => ({})): Applied {
  const groups = () => adapter.groups();
  return {
    paramGroups: groups,
    adapterState: () => adapter.state(),
    loadAdapterState: (s) => adapter.load(s),
    footprint: () => footprint(model, groups(), adapter.vars(), { baseBytes: base.baseBytes() }),
    metrics: () => ({ ...base.metrics(), ...extraMetrics() }),
    dispose: () => {
      adapter.dispose();
      base.dispose();
    },
  };
}
