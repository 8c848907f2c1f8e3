// The trial services of plugin.ts: other tasks trained and scored with the trial's base, budget, seed and trainer.
import fs from 'node:fs';
import path from 'node:path';
import type { Dataset } from '../../datasets/types.js';
import { loadDataset } from '../../datasets/index.js';
import { cacheDir } from '../../core/paths.js';
import { hashOf } from '../../core/hash.js';
import { instantiate, type Base } from '../zoo/bases.js';
import type { Model } from '../model/model.js';
import { loadSafetensors, saveSafetensors } from '../model/safetensors.js';
import type { Applied, TrialServices } from '../plugin.js';
import { predictAll, score } from '../eval/evaluate.js';
import type { Encoded } from '../train/batch.js';
import { objectiveFor, type Objective } from '../train/objectives/index.js';
import { BatchStream, train } from '../train/trainer.js';
import type { PlannedTrial } from './plan.js';
import { optimizerSpecOf, trainBudgetOf } from './budget.js';
import { withTaskHead } from '../apply.js';

export function encodeSplit(rows: Dataset['splits']['train'], encode: (e: Dataset['splits']['train'][number]) => Encoded, limit?: number): Encoded[] {
  return (limit ? rows.slice(0, limit) : rows).map(encode);
}

/** Other datasets, loaded once per process, with their objective and encoded splits for this base and length. */
const others = new Map<string, Promise<Dataset>>();
async function taskOf(id: string, base: Base, maxLen: number, t: PlannedTrial) {
  if (!others.has(id)) others.set(id, loadDataset(id));
  const dataset = await others.get(id)!;
  const objective: Objective = objectiveFor(dataset, base.tokenizer, maxLen);
  return {
    dataset,
    objective,
    train: () => encodeSplit(dataset.splits.train, objective.encode, t.budget.train_examples),
    test: () => encodeSplit(dataset.splits.test, objective.encode, t.budget.eval_examples),
  };
}

/** The services of plugin.ts for one trial: the same base, budget, learning rate and seed; the trainer and evaluator reused. */
export function trialServices(t: PlannedTrial, base: Base, maxLen: number, shouldStop?: () => boolean): TrialServices {
  const budgetFor = (steps: number) => ({ ...trainBudgetOf(t, maxLen), steps, evalEvery: 0 });
  const optimizerSpec = optimizerSpecOf(t);
  const trainOn = async (id: string, model: Model, applied: Applied, steps: number) => {
    const task = await taskOf(id, base, maxLen, t);
    const stream = new BatchStream(task.train(), t.budget.batch_size, task.objective, maxLen, t.seed);
    const r = await train({ model, applied, objective: task.objective, stream, budget: budgetFor(steps), optimizerSpec, shouldStop });
    if (r.failure) throw new Error(`Training on "${id}" failed: ${r.failure}.`);
  };
  return {
    target: t.dataset,
    nOutputs: async (id) => (await taskOf(id, base, maxLen, t)).objective.nOutputs,
    train: trainOn,
    async score(id, model) {
      const task = await taskOf(id, base, maxLen, t);
      const rows = task.test();
      const primary = task.dataset.metrics[0];
      return score([primary], await predictAll(model, task.objective, rows, maxLen), rows.map((r) => r.label))[primary];
    },
    async trainAdapter(id, opts) {
      const task = await taskOf(id, base, maxLen, t);
      const file = opts.cache &&
        path.join(cacheDir(opts.cache.dir), `${id}-${hashOf({ base: base.checkpointHash, data: task.dataset.contentHash, key: opts.cache.key, steps: opts.steps, seed: t.seed, lr: t.lr, budget: t.budget })}.safetensors`);
      if (file && fs.existsSync(file)) return loadSafetensors(file).tensors;
      const model = instantiate(base, t.seed);
      let applied: Applied | null = null;
      try {
        if (task.objective.nOutputs > 0) model.addHead(task.objective.nOutputs);
        const stream = new BatchStream(task.train(), t.budget.batch_size, task.objective, maxLen, t.seed);
        applied = withTaskHead(model, opts.apply(model, { seed: t.seed, totalSteps: opts.steps, sampleBatches: (n) => Array.from({ length: n }, () => stream.next()), loss: (b) => task.objective.loss(model, b) }));
        await trainOn(id, model, applied, opts.steps);
        const state = applied.adapterState();
        if (file) {
          const tmp = `${file}.${process.pid}.tmp`;
          await saveSafetensors(tmp, state, { dataset: id });
          fs.renameSync(tmp, file);
        }
        return state;
      } finally {
        applied?.dispose();
        model.dispose();
      }
    },
  };
}

