// The benchmark training step at each size of the table below (`small`: issue 3's reference, the project's encoder
// d 128; `base`: BERT-base's shape): classification loss, clipping, AdamW; full fine-tuning or LoRA on q and v.
import * as tf from '@tensorflow/tfjs';
import { Model } from '../harness/model/model.js';
import type { ModelConfig } from '../harness/model/config.js';
import { AdamW } from '../harness/train/adamw.js';
import { globalNormClip } from '../harness/train/trainer.js';
import { crossEntropy } from '../harness/train/objectives/index.js';
import { fullFt } from '../techniques/training-method/full-ft.js';
import { lora } from '../techniques/adapter/lora.js';
import type { ApplyContext } from '../harness/plugin.js';

export type StepKind = 'full_ft' | 'lora' | 'qlora';

/** One benchmark shape; bench/torch_twin.py's SIZES holds the same rows. Add a size by adding a row to both. */
export interface BenchSize {
  family: 'encoder';
  vocab: number; dModel: number; nLayers: number; nHeads: number; dFF: number;
  seq: number; batch: number; classes: number; loraR: number;
  /** The steps this size times, and the bench's defaults for it (a base step takes seconds, a small one ms). */
  kinds: StepKind[];
  rounds: number; iters: number; warm: number;
  /** Whether the plain tfjs `cpu` backend is timed too (minutes per step beyond `small`). */
  tfjsCpu: boolean;
}

export const SIZES: Record<string, BenchSize> = {
  small: { family: 'encoder', vocab: 512, dModel: 128, nLayers: 2, nHeads: 4, dFF: 512, seq: 64, batch: 16, classes: 2, loraR: 8,
    kinds: ['full_ft', 'lora'], rounds: 5, iters: 10, warm: 20, tfjsCpu: true },
  // BERT-base (issue 16): 12 × 768, FFN 3072, vocabulary 8192, batch 8 × 128 tokens.
  base: { family: 'encoder', vocab: 8192, dModel: 768, nLayers: 12, nHeads: 12, dFF: 3072, seq: 128, batch: 8, classes: 2, loraR: 8,
    kinds: ['full_ft', 'lora'], rounds: 3, iters: 3, warm: 2, tfjsCpu: false },
  // BERT-base at 8 × 512 tokens: full fine-tuning must fit (issue 16).
  'base-512': { family: 'encoder', vocab: 8192, dModel: 768, nLayers: 12, nHeads: 12, dFF: 3072, seq: 512, batch: 8, classes: 2, loraR: 8,
    kinds: ['full_ft'], rounds: 2, iters: 2, warm: 1, tfjsCpu: false },
};

/** Issue 3's reference step. */
export const REFERENCE = SIZES.small;

export function benchSize(name: string): BenchSize {
  const size = SIZES[name];
  if (!size) throw new Error(`Unknown bench size "${name}": choose one of ${Object.keys(SIZES).join(', ')}.`);
  return size;
}

export interface ReferenceStep {
  /** One forward + backward + clip + AdamW update; returns the loss. */
  step(): number;
  dispose(): void;
}

export function referenceStep(kind: StepKind, seed = 0, size = 'small'): ReferenceStep {
  const R = benchSize(size);
  if (kind === 'qlora') throw new Error(`The ${size} size has no qlora step.`);
  const config: ModelConfig = {
    family: 'encoder', vocabSize: R.vocab, dModel: R.dModel, nLayers: R.nLayers, nHeads: R.nHeads, dFF: R.dFF,
    maxLen: R.seq, normEps: 1e-5, ropeTheta: 10000, ropeScale: 1,
  };
  const model = new Model(config, seed);
  model.addHead(R.classes);
  const ctx = { seed, totalSteps: 1000, sampleBatches: () => [], loss: () => { throw new Error('unused'); } } as unknown as ApplyContext;
  const applied = kind === 'lora'
    ? lora.apply(model, { ...lora.defaults, r: R.loraR, alpha: R.loraR }, ctx)
    : fullFt.apply(model, {}, ctx);
  const groups = applied.paramGroups();
  const vars = groups.flatMap((g) => g.vars);
  const opt = new AdamW({ lr: 1e-4, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, groups);
  // Fixed random batch: timing does not depend on the values.
  const ids = tf.tensor2d(Int32Array.from({ length: R.batch * R.seq }, (_, i) => (i * 7919 + seed) % R.vocab), [R.batch, R.seq], 'int32');
  const mask = tf.ones([R.batch, R.seq]) as tf.Tensor2D;
  const labels = tf.tensor1d(Int32Array.from({ length: R.batch }, (_, i) => i % R.classes), 'int32');
  model.training = true;
  return {
    step() {
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.classify(ids, mask), labels), vars);
      const g = new Map<tf.Variable, tf.Tensor>(vars.filter((v) => grads[v.name]).map((v) => [v, grads[v.name]]));
      const clipped = globalNormClip(g, 1.0);
      opt.step(clipped, 1e-4);
      const loss = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads), ...(clipped !== g ? clipped.values() : [])]);
      return loss;
    },
    dispose() {
      opt.dispose();
      applied.dispose();
      model.dispose();
      tf.dispose([ids, mask, labels]);
    },
  };
}
