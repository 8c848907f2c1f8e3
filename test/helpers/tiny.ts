// Tiny models and a tiny learnable task for fast tests: no pretraining, no corpus, deterministic.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../harness/backend/index.js';
import { Model } from '../../harness/model/model.js';
import type { Family, ModelConfig } from '../../harness/model/config.js';
import { makeBatch, type Batch, type Encoded } from '../../harness/train/batch.js';
import type { Objective } from '../../harness/train/objectives/index.js';
import { crossEntropy } from '../../harness/train/objectives/index.js';
import { Rng } from '../../core/rng.js';

export const VOCAB = 48;
export const SEQ = 12;

export function tinyConfig(family: Family): ModelConfig {
  // initStd 0.2: with BERT's 0.02 an untrained post-LN encoder passes almost nothing to its first token, so
  // nothing but full fine-tuning could move the loss in the few steps tests can afford.
  return { family, vocabSize: VOCAB, dModel: 16, nLayers: 2, nHeads: 2, dFF: 32, maxLen: 32, normEps: 1e-5, ropeTheta: 10000, ropeScale: 1, initStd: 0.2 };
}

/** A model whose base weights (and head) depend only on `family`; `seed` seeds whatever is created after. */
export function tinyModel(family: Family, seed = 0): Model {
  const base = new Model(tinyConfig(family), 123);
  base.addHead(2);
  if (seed === 0) return base;
  const m = new Model(tinyConfig(family), 1000 + seed);
  m.addHead(2);
  const state = base.state();
  m.load(state, { strict: true });
  tf.dispose(Object.values(state));
  base.dispose();
  return m;
}

/**
 * Label 1 when token 7 is frequent in the sequence (about a third of it): a signal that survives the near-uniform
 * attention of a freshly initialised model, so every technique can learn it in a few steps.
 */
export function tinyRows(n: number, seed = 5): Encoded[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const len = SEQ - (i % 3);
    const label = i % 2;
    const ids = [2, ...Array.from({ length: len - 2 }, () => (label && rng.next() < 0.35 ? 7 : 8 + rng.int(VOCAB - 8))), 3];
    return { ids, label };
  });
}

export const tinyObjective: Objective = {
  nOutputs: 2,
  labelDtype: 'int32',
  regression: false,
  encode: () => {
    throw new Error('tiny rows are pre-encoded');
  },
  loss: (m, b) => crossEntropy(m.classify(b.ids, b.mask), b.labels),
  predict: async (m, b) => Array.from(await tf.tidy(() => tf.argMax(m.classify(b.ids, b.mask), 1)).data()),
};

export function tinyBatch(n = 8, seed = 5): Batch {
  return makeBatch(tinyRows(n, seed), 32, 'int32');
}

export async function useBackend(): Promise<void> {
  await initBackend((process.env.FTBENCH_TEST_BACKEND as 'wasm' | 'cpu' | undefined) ?? 'auto');
}

/**
 * The backbone's final hidden states on a fixed batch, as a plain array. Not the head's outputs: the task head is
 * new and trained by every technique, so only the backbone can be compared with the base.
 */
export function outputs(m: Model, b: Batch): Float32Array {
  const was = m.training;
  m.training = false;
  const y = tf.tidy(() => m.hidden(b.ids, b.mask));
  const out = y.dataSync() as Float32Array;
  y.dispose();
  m.training = was;
  return out.slice();
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
