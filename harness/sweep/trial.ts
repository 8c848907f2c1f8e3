// One trial: a fresh copy of the base, the technique applied, trained, evaluated and measured.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Dataset } from '../../datasets/types.js';
import { instantiate, type Base } from '../model/bases.js';
import type { Model } from '../model/model.js';
import { saveSafetensors } from '../model/safetensors.js';
import type { ApplyContext, Applied } from '../plugin.js';
import { baselinePredictions, scoreText } from '../eval/metrics.js';
import { predictAll, score } from '../eval/evaluate.js';
import type { Encoded } from '../train/batch.js';
import { kindUnsupported, objectiveFor, type Objective } from '../train/objective.js';
import { predictTextAll } from '../train/objectives/generation.js';
import { BatchStream, train, type StepReport } from '../train/trainer.js';
import { heldOutLoss } from '../pretrain/lm.js';
import type { TrialRecord, MetricRow } from '../store/index.js';
import type { PlannedTrial } from './plan.js';

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
    model.addHead(objective.nOutputs);
    const stream = new BatchStream(trainRows, t.budget.batch_size, objective, maxLen, t.seed);
    const m = model;
    const ctx: ApplyContext = {
      seed: t.seed,
      totalSteps: t.budget.steps,
      sampleBatches: (n) => Array.from({ length: n }, () => stream.next()),
      loss: (b) => objective.loss(m, b),
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
    Object.assign(record, {
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
        const base = baselinePredictions(trainRows.map((r) => r.label), rows.length, objective.regression);
        for (const [name, value] of Object.entries(score(dataset.metrics, base, target))) metrics.push({ split, step: 0, name: `baseline:${name}`, value });
        record.predictions = pred.map((p, item) => ({ split, item, predicted: p, target: target[item] }));
      }
    }
    // Forgetting: held-out pretraining-text loss of the fine-tuned model minus the untouched base's.
    const lm = await heldOutLoss(model, base.heldOut, Math.min(64, base.config.maxLen));
    metrics.push({ split: 'heldout', step: result.steps, name: 'lm_loss', value: lm });
    metrics.push({ split: 'heldout', step: result.steps, name: 'forgetting', value: lm - inp.baseHeldOutLoss });
    record.adapterBytes = await adapterBytes(applied);
    for (const [name, value] of Object.entries(applied.metrics?.() ?? {})) metrics.push({ split: 'technique', step: result.steps, name, value });
    return { ...record, metrics, finishedAt: new Date() };
  } catch (e) {
    return { ...record, status: 'failed', error: (e as Error).message, finishedAt: new Date() };
  } finally {
    applied?.dispose();
    model?.dispose();
  }
}

/** Generation: decoded outputs scored against the reference texts of the first rows.length examples. */
async function scoreGenerated(model: Model, objective: Objective, rows: Encoded[], examples: Dataset['splits']['dev'], metricIds: string[], maxLen: number) {
  const refs = examples.slice(0, rows.length).map((e) => e.target ?? '');
  return scoreText(metricIds, await predictTextAll(model, objective, rows, maxLen), refs);
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
