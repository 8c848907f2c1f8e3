// The reference training step of issue 3: the project's encoder (d 128, 2 layers, 4 heads, FFN 512, vocab 512),
// batch 16 × 64 tokens, classification loss, AdamW; full fine-tuning or LoRA r=8 on q and v.
import * as tf from '@tensorflow/tfjs';
import { Model } from '../harness/model/model.js';
import type { ModelConfig } from '../harness/model/config.js';
import { AdamW } from '../harness/train/adamw.js';
import { globalNormClip } from '../harness/train/trainer.js';
import { crossEntropy } from '../harness/train/objectives/index.js';
import { fullFt } from '../techniques/training-method/full-ft.js';
import { lora } from '../techniques/adapter/lora.js';
import type { ApplyContext } from '../harness/plugin.js';

export type StepKind = 'full_ft' | 'lora';

export const REFERENCE = { vocab: 512, dModel: 128, nLayers: 2, nHeads: 4, dFF: 512, seq: 64, batch: 16, classes: 2, loraR: 8 };

export interface ReferenceStep {
  /** One forward + backward + clip + AdamW update; returns the loss. */
  step(): number;
  dispose(): void;
}

export function referenceStep(kind: StepKind, seed = 0): ReferenceStep {
  const R = REFERENCE;
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
