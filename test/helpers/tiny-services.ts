// Trial services (harness/plugin.ts) over tiny tasks, for tests: the real trainer and evaluator, no datasets on disk.
import * as tf from '@tensorflow/tfjs';
import type { Family } from '../../harness/model/config.js';
import type { Model } from '../../harness/model/model.js';
import type { Applied, TrialServices } from '../../harness/plugin.js';
import { BatchStream, train } from '../../harness/train/trainer.js';
import { makeBatch, type Encoded } from '../../harness/train/batch.js';
import { Rng } from '../../core/rng.js';
import { SEQ, VOCAB, tinyBatch, tinyModel, tinyObjective } from './tiny.js';
import { withTaskHead } from '../../harness/apply.js';

/**
 * The signal token of a tiny task: `tiny-<k>` → token 4 + k mod 4, any other id → 7 (the token of tinyRows, so a
 * technique that asks for built-in datasets by name gets tasks like its own).
 */
export function signalOf(id: string): number {
  const k = /^tiny-(\d+)$/.exec(id);
  return k ? 4 + (Number(k[1]) % 4) : 7;
}

/** tinyRows with another signal token: label 1 when `signal` is frequent in the sequence. */
export function signalRows(n: number, seed: number, signal: number): Encoded[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const len = SEQ - (i % 3);
    const label = i % 2;
    const ids = [2, ...Array.from({ length: len - 2 }, () => (label && rng.next() < 0.35 ? signal : 8 + rng.int(VOCAB - 8))), 3];
    return { ids, label };
  });
}

/** Services whose datasets are tiny tasks (see signalOf); trains at `lr` with batch 8, scores accuracy on 64 fresh rows. */
export function tinyServices(family: Family, lr: number, target = 'tiny-target'): TrialServices {
  const seedOf = (id: string) => 11 + [...id].reduce((a, c) => a + c.charCodeAt(0), 0);
  const trainOn = async (id: string, model: Model, applied: Applied, steps: number) => {
    const stream = new BatchStream(signalRows(64, seedOf(id), signalOf(id)), 8, tinyObjective, 32, 1);
    const r = await train({
      model, applied, objective: tinyObjective, stream,
      budget: { steps, batchSize: 8, lr, evalEvery: 0, maxLen: 32, warmupRatio: 0, weightDecay: 0, clipNorm: 1, schedule: 'constant' },
      optimizerSpec: { lr, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    });
    if (r.failure) throw new Error(`training on ${id} failed: ${r.failure}`);
  };
  return {
    target,
    nOutputs: async () => 2,
    train: trainOn,
    async score(id, model) {
      const rows = signalRows(64, 1000 + seedOf(id), signalOf(id));
      const b = makeBatch(rows, 32, 'int32');
      const pred = await tinyObjective.predict(model, b);
      tf.dispose([b.ids, b.mask, b.labels]);
      return pred.filter((p, i) => p === rows[i].label).length / rows.length;
    },
    async trainAdapter(id, opts) {
      const model = tinyModel(family);
      const applied = withTaskHead(model, opts.apply(model, { seed: 3, totalSteps: opts.steps, sampleBatches: (n) => Array.from({ length: n }, (_, i) => tinyBatch(8, 200 + i)), loss: (b) => tinyObjective.loss(model, b) }));
      try {
        await trainOn(id, model, applied, opts.steps);
        return applied.adapterState();
      } finally {
        applied.dispose();
        model.dispose();
      }
    },
  };
}
