// One trial: a fresh copy of the base, the technique applied, trained, evaluated and measured.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Dataset } from '../../datasets/types.js';
import { instantiate, models, type Base } from '../zoo/bases.js';
import type { Model } from '../model/model.js';
import { explainBackendError } from '../backend/errors.js';
import { loadSafetensors, saveSafetensors } from '../model/safetensors.js';
import type { ApplyContext, Applied, TrialServices } from '../plugin.js';
import { loadDataset } from '../../datasets/index.js';
import { cacheDir } from '../../core/paths.js';
import { hashOf } from '../../core/hash.js';
import { baselinePredictions, scoreText } from '../eval/metrics.js';
import { predictAll, score } from '../eval/evaluate.js';
import type { Encoded } from '../train/batch.js';
import { kindUnsupported, objectiveFor, type Objective } from '../train/objective.js';
import { predictTextAll } from '../train/objectives/generation.js';
import { BatchStream, train, type StepReport } from '../train/trainer.js';
import { heldOutLoss } from '../zoo/lm.js';
import type { TrialRecord, MetricRow } from '../store/index.js';
import type { PlannedTrial } from './plan.js';
import { isCausal } from '../model/config.js';

export interface TrialInputs {
  base: Base;
  dataset: Dataset;
  /** Held-out LM loss of the untouched base, for forgetting. */
  baseHeldOutLoss: number;
  configHash: string;
  onStep?: (r: StepReport) => void;
  shouldStop?: () => boolean;
}

function encodeSplit(rows: Dataset['splits']['train'], encode: (e: Dataset['splits']['train'][number]) => Encoded, limit?: number): Encoded[] {
  return (limit ? rows.slice(0, limit) : rows).map(encode);
}

async function adapterBytes(applied: Applied): Promise<number> {
  const state = applied.adapterState();
  const file = path.join(os.tmpdir(), `ftbench-adapter-${process.pid}-${randomUUID()}.safetensors`);
  try {
    return await saveSafetensors(file, state);
  } finally {
    tf.dispose(Object.values(state));
    fs.rmSync(file, { force: true });
  }
}

export async function runTrial(t: PlannedTrial, inp: TrialInputs): Promise<TrialRecord> {
  const startedAt = new Date();
  const record: TrialRecord = {
    trialId: randomUUID(),
    configHash: inp.configHash,
    model: t.model,
    dataset: t.dataset,
    technique: t.technique.id,
    category: t.technique.category,
    seed: t.seed,
    config: { technique: t.config, label: t.label, lr: t.lr, budget: t.budget },
    status: 'ok',
    error: null,
    startedAt,
    finishedAt: startedAt,
    trainableParams: 0, totalParams: 0, extraParams: 0, baseBytes: 0, optimizerStateBytes: 0, adapterBytes: 0,
    peakBytes: 0, peakRssBytes: 0, tokensPerS: 0, msPerStep: 0, steps: 0,
    metrics: [],
    curves: [],
    predictions: [],
  };
  const skip = t.technique.unsupported?.(probeModel(inp.base));
  if (skip) return { ...record, status: 'skipped', error: skip, finishedAt: new Date() };
  const cannot = kindUnsupported(inp.dataset.kind, inp.base.config.family);
  if (cannot) return { ...record, status: 'skipped', error: cannot, finishedAt: new Date() };

  const { dataset, base } = inp;
  const maxLen = Math.min(t.budget.max_len, base.config.maxLen);
  const objective = objectiveFor(dataset, base.tokenizer, maxLen);
  const trainRows = encodeSplit(dataset.splits.train, objective.encode, t.budget.train_examples);
  const devRows = encodeSplit(dataset.splits.dev, objective.encode, t.budget.eval_examples);
  const testRows = encodeSplit(dataset.splits.test, objective.encode, t.budget.eval_examples);

  let model: Model | null = null;
  let applied: Applied | null = null;
  try {
    model = instantiate(base, t.seed);
    if (objective.nOutputs > 0) model.addHead(objective.nOutputs);
    // Long-context language modelling fine-tunes with RoPE position interpolation: scale = new context / pretrained.
    const pretrainedLen = models.has(base.id) ? models.get(base.id).pretrain.seqLen : maxLen;
    const longContext = dataset.kind === 'language-modeling' && isCausal(model.family) && maxLen > pretrainedLen;
    if (longContext) model.setRopeScale(maxLen / pretrainedLen);
    const stream = new BatchStream(trainRows, t.budget.batch_size, objective, maxLen, t.seed);
    const m = model;
    const ctx: ApplyContext = {
      seed: t.seed,
      totalSteps: t.budget.steps,
      sampleBatches: (n) => Array.from({ length: n }, () => stream.next()),
      loss: (b) => objective.loss(m, b),
      services: trialServices(t, inp, maxLen),
    };
    applied = t.technique.apply(model, t.config, ctx);
    const primary = dataset.metrics[0];
    const result = await train({
      model,
      applied,
      objective,
      stream,
      budget: { ...t.budget, lr: t.lr, batchSize: t.budget.batch_size, evalEvery: t.budget.eval_every, maxLen, warmupRatio: t.budget.warmup_ratio, weightDecay: t.budget.weight_decay, clipNorm: t.budget.clip_norm },
      optimizerSpec: { lr: t.lr, weightDecay: t.budget.weight_decay, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
      evalDev: async () =>
        objective.predictText
          ? (await scoreGenerated(m, objective, devRows, dataset.splits.dev, [primary], maxLen))[primary]
          : score([primary], await predictAll(m, objective, devRows, maxLen), devRows.map((r) => r.label))[primary],
      onStep: inp.onStep,
      shouldStop: inp.shouldStop,
    });
    const fp = applied.footprint();
    const trained = new Set<tf.Tensor>(applied.paramGroups().flatMap((g) => g.vars));
    Object.assign(record, {
      headParams: model.named('head.**').reduce((n, [, v]) => n + (trained.has(v) ? v.size : 0), 0),
      trainableParams: fp.trainableParams,
      totalParams: fp.totalParams,
      extraParams: fp.extraParams,
      baseBytes: fp.baseBytes,
      optimizerStateBytes: result.optimizerStateBytes || fp.optimizerStateBytes,
      peakBytes: result.peakBytes,
      peakRssBytes: result.peakRssBytes,
      tokensPerS: result.tokensPerS,
      msPerStep: result.msPerStep,
      steps: result.steps,
      curves: result.curves,
    });
    const metrics: MetricRow[] = result.evals.map((e) => ({ split: 'dev', step: e.step, name: primary, value: e.value }));
    if (result.failure) {
      return { ...record, metrics, status: 'failed', error: result.failure, finishedAt: new Date() };
    }
    for (const [split, rows] of [['dev', devRows], ['test', testRows]] as const) {
      if (objective.predictText) {
        // Generation: text metrics on the decoded outputs; the trivial baseline copies the input.
        const scores = await scoreGenerated(model, objective, rows, dataset.splits[split], dataset.metrics, maxLen);
        for (const [name, value] of Object.entries(scores)) metrics.push({ split, step: result.steps, name, value });
        if (split === 'test') {
          metrics.push({ split, step: result.steps, name: `primary:${primary}`, value: scores[primary] });
          const exs = dataset.splits.test.slice(0, rows.length);
          const copy = scoreText(dataset.metrics, exs.map((e) => e.text), exs.map((e) => e.target ?? ''));
          for (const [name, value] of Object.entries(copy)) metrics.push({ split, step: 0, name: `baseline:${name}`, value });
        }
        continue;
      }
      const pred = await predictAll(model, objective, rows, maxLen);
      const target = rows.map((r) => r.label);
      for (const [name, value] of Object.entries(score(dataset.metrics, pred, target))) metrics.push({ split, step: result.steps, name, value });
      if (split === 'test') {
        metrics.push({ split, step: result.steps, name: `primary:${primary}`, value: score([primary], pred, target)[primary] });
        if (objective.nOutputs > 0 || dataset.kind === 'multiple-choice') {
          const base = baselinePredictions(trainRows.map((r) => r.label), rows.length, objective.regression);
          for (const [name, value] of Object.entries(score(dataset.metrics, base, target))) metrics.push({ split, step: 0, name: `baseline:${name}`, value });
        }
        record.predictions = pred.map((p, item) => ({ split, item, predicted: p, target: target[item] }));
      }
    }
    // Long context: held-out perplexity with full attention at 1x and 2x the pretraining context (test windows cut short).
    if (dataset.kind === 'language-modeling') {
      for (const len of [pretrainedLen, 2 * pretrainedLen]) {
        const rows = testRows.filter((r) => r.ids.length >= len).map((r) => ({ ids: r.ids.slice(0, len), label: len - 1 }));
        if (rows.length === 0) continue;
        const pred = await predictAll(model, objective, rows, len);
        metrics.push({ split: 'heldout', step: result.steps, name: `ppl@${len}`, value: score(['perplexity'], pred, rows.map((r) => r.label)).perplexity });
      }
    }
    // Forgetting: held-out pretraining-text loss of the fine-tuned model minus the untouched base's.
    const lm = await heldOutLoss(model, base.heldOut, Math.min(64, base.config.maxLen));
    metrics.push({ split: 'heldout', step: result.steps, name: 'lm_loss', value: lm });
    metrics.push({ split: 'heldout', step: result.steps, name: 'forgetting', value: lm - inp.baseHeldOutLoss });
    record.adapterBytes = await adapterBytes(applied);
    for (const [name, value] of Object.entries(applied.metrics?.() ?? {})) metrics.push({ split: 'technique', step: result.steps, name, value });
    for (const [name, value] of Object.entries((await applied.evaluate?.()) ?? {})) metrics.push({ split: 'technique', step: result.steps, name, value });
    return { ...record, metrics, finishedAt: new Date() };
  } catch (e) {
    return { ...record, status: 'failed', error: explainBackendError((e as Error).message), finishedAt: new Date() };
  } finally {
    applied?.dispose();
    model?.dispose();
  }
}

/** Generation: decoded outputs scored against the reference texts of the first rows.length examples. */
async function scoreGenerated(model: Model, objective: Objective, rows: Encoded[], examples: Dataset['splits']['dev'], metricIds: string[], maxLen: number) {
  const exs = examples.slice(0, rows.length);
  const multi = exs.some((e) => e.references) ? exs.map((e) => e.references ?? [e.target ?? '']) : undefined;
  return scoreText(metricIds, await predictTextAll(model, objective, rows, maxLen), exs.map((e) => e.target ?? ''), multi);
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
function trialServices(t: PlannedTrial, inp: TrialInputs, maxLen: number): TrialServices {
  const { base } = inp;
  const budgetFor = (steps: number) => ({
    steps, batchSize: t.budget.batch_size, lr: t.lr, evalEvery: 0, maxLen, warmupRatio: t.budget.warmup_ratio,
    weightDecay: t.budget.weight_decay, clipNorm: t.budget.clip_norm, schedule: t.budget.schedule,
  });
  const optimizerSpec = { lr: t.lr, weightDecay: t.budget.weight_decay, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const trainOn = async (id: string, model: Model, applied: Applied, steps: number) => {
    const task = await taskOf(id, base, maxLen, t);
    const stream = new BatchStream(task.train(), t.budget.batch_size, task.objective, maxLen, t.seed);
    const r = await train({ model, applied, objective: task.objective, stream, budget: budgetFor(steps), optimizerSpec, shouldStop: inp.shouldStop });
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
        applied = opts.apply(model, { seed: t.seed, totalSteps: opts.steps, sampleBatches: (n) => Array.from({ length: n }, () => stream.next()), loss: (b) => task.objective.loss(model, b) });
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

/** A throwaway model for `unsupported()` checks (family and sizes are all a plugin needs to decide). */
const probes = new Map<string, Model>();
function probeModel(base: Base): Model {
  let m = probes.get(base.id);
  if (!m) probes.set(base.id, (m = instantiate(base, 0)));
  return m;
}

export async function baseHeldOut(base: Base): Promise<number> {
  const m = instantiate(base, 0);
  try {
    return await heldOutLoss(m, base.heldOut, Math.min(64, base.config.maxLen));
  } finally {
    m.dispose();
  }
}
