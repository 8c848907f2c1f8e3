// One trial: a fresh copy of the base, the technique applied, trained, evaluated (harness/eval) and measured.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Dataset } from '../../datasets/types.js';
import { instantiate, models, type Base } from '../zoo/bases.js';
import type { Model } from '../model/model.js';
import { isCausal } from '../model/config.js';
import { saveSafetensors } from '../model/safetensors.js';
import { explainBackendError } from '../backend/errors.js';
import { noteTrialError } from '../backend/health.js';
import { setPrecision } from '../backend/precision.js';
import type { ApplyContext, Applied } from '../plugin.js';
import { evaluateTrial, scoreSplit } from '../eval/evaluate-trial.js';
import { metricRow } from '../eval/rows.js';
import { kindUnsupported, objectiveFor } from '../train/objectives/index.js';
import { BatchStream, train, type StepReport } from '../train/trainer.js';
import type { TrialRecord } from '../store/index.js';
import type { PlannedTrial } from './plan.js';
import { optimizerSpecOf, trainBudgetOf } from './budget.js';
import { encodeSplit, trialServices } from './services.js';
import { applyTechnique } from '../apply.js';
import { probeModel } from './base-probes.js';
import type { TrainRows } from './train-rows.js';

export interface TrialInputs {
  base: Base;
  dataset: Dataset;
  /** Held-out LM loss of the untouched base, for forgetting. */
  baseHeldOutLoss: number;
  /** The sweep's tokenised training rows (shared with its memory preflight); absent: the split is tokenised here. */
  trainRows?: TrainRows;
  configHash: string;
  onStep?: (r: StepReport) => void;
  shouldStop?: () => boolean;
}

export async function runTrial(t: PlannedTrial, inp: TrialInputs): Promise<TrialRecord> {
  const record = emptyRecord(t, inp.configHash);
  const skip = t.technique.unsupported?.(probeModel(inp.base)) ?? kindUnsupported(inp.dataset.kind, inp.base.config.family);
  if (skip) return { ...record, status: 'skipped', error: skip, finishedAt: new Date() };

  const { dataset, base } = inp;
  const maxLen = Math.min(t.budget.max_len, base.config.maxLen);
  const objective = objectiveFor(dataset, base.tokenizer, maxLen);
  const trainRows = inp.trainRows ? inp.trainRows.of(t, maxLen, dataset.splits.train, objective.encode).rows : encodeSplit(dataset.splits.train, objective.encode, t.budget.train_examples);
  const rows = { dev: encodeSplit(dataset.splits.dev, objective.encode, t.budget.eval_examples), test: encodeSplit(dataset.splits.test, objective.encode, t.budget.eval_examples) };
  // Long-context language modelling fine-tunes with RoPE position interpolation: scale = new context / pretrained.
  const pretrainedLen = models.has(base.id) ? models.get(base.id).pretrain.seqLen : maxLen;

  let model: Model | null = null;
  let applied: Applied | null = null;
  const precisionWas = setPrecision(t.budget.precision ?? 'fp32'); // checked against the backend at plan time
  try {
    const m = (model = instantiate(base, t.seed, t.technique.packAtLoad?.(t.config) ?? undefined));
    if (objective.nOutputs > 0) m.addHead(objective.nOutputs);
    if (dataset.kind === 'language-modeling' && isCausal(m.family) && maxLen > pretrainedLen) m.setRopeScale(maxLen / pretrainedLen);
    const stream = new BatchStream(trainRows, t.budget.batch_size, objective, maxLen, t.seed);
    const ctx: ApplyContext = {
      seed: t.seed,
      totalSteps: t.budget.steps,
      sampleBatches: (n) => Array.from({ length: n }, () => stream.next()),
      loss: (b) => objective.loss(m, b),
      services: trialServices(t, base, maxLen, inp.shouldStop),
    };
    applied = applyTechnique(t.technique, m, t.config, ctx);
    const primary = dataset.metrics[0];
    const result = await train({
      model: m, applied, objective, stream,
      budget: trainBudgetOf(t, maxLen),
      optimizerSpec: optimizerSpecOf(t),
      evalDev: async () => (await scoreSplit(m, objective, rows.dev, dataset.splits.dev, [primary], maxLen)).scores[primary],
      onStep: inp.onStep,
      shouldStop: inp.shouldStop,
    });
    const fp = applied.footprint();
    const trained = new Set<tf.Tensor>(applied.paramGroups().flatMap((g) => g.vars));
    Object.assign(record, {
      headParams: m.named('head.**').reduce((n, [, v]) => n + (trained.has(v) ? v.size : 0), 0),
      trainableParams: fp.trainableParams, totalParams: fp.totalParams, extraParams: fp.extraParams, baseBytes: fp.baseBytes,
      optimizerStateBytes: result.optimizerStateBytes || fp.optimizerStateBytes,
      peakBytes: result.peakBytes, peakRssBytes: result.peakRssBytes, tokensPerS: result.tokensPerS, msPerStep: result.msPerStep,
      steps: result.steps, curves: result.curves,
    });
    const devCurve = result.evals.map((e) => metricRow('dev', e.step, primary, e.value, 'score'));
    if (result.steps < t.budget.steps && !result.failure && inp.shouldStop?.()) {
      // Ctrl-C mid-training: keep the curve so far, skip the evaluation (the user asked to stop now).
      const error = `interrupted by the user after step ${result.steps} of ${t.budget.steps}; the next run of the same command trains it again`;
      return { ...record, metrics: devCurve, status: 'interrupted', error, finishedAt: new Date() };
    }
    if (result.failure) return { ...record, metrics: devCurve, status: 'failed', error: result.failure, finishedAt: new Date() };
    const evaluated = await evaluateTrial({
      model: m, objective, dataset, rows, trainLabels: trainRows.map((r) => r.label), maxLen, step: result.steps,
      pretrainedLen, heldOut: base.heldOut, baseHeldOutLoss: inp.baseHeldOutLoss, heldOutWindows: t.budget.heldout_windows,
    });
    record.adapterBytes = await adapterBytes(applied);
    const own = [...Object.entries(applied.metrics?.() ?? {}), ...Object.entries((await applied.evaluate?.()) ?? {})];
    const technique = own.map(([name, value]) => metricRow('technique', result.steps, name, value, 'technique'));
    return { ...record, metrics: [...devCurve, ...evaluated.metrics, ...technique], predictions: evaluated.predictions, finishedAt: new Date() };
  } catch (e) {
    noteTrialError(e);
    return { ...record, status: 'failed', error: explainBackendError((e as Error).message), finishedAt: new Date() };
  } finally {
    setPrecision(precisionWas);
    applied?.dispose();
    model?.dispose();
  }
}

/** A trial refused before it ran (it cannot fit): stored as failed with the sentence that says why. */
export function refusedRecord(t: PlannedTrial, configHash: string, error: string): TrialRecord {
  return { ...emptyRecord(t, configHash), status: 'failed', error };
}

function emptyRecord(t: PlannedTrial, configHash: string): TrialRecord {
  const startedAt = new Date();
  return {
    trialId: randomUUID(), configHash, model: t.model, dataset: t.dataset, technique: t.technique.id, category: t.technique.category,
    seed: t.seed, config: { technique: t.config, label: t.label, lr: t.lr, budget: t.budget }, status: 'ok', error: null,
    startedAt, finishedAt: startedAt,
    trainableParams: 0, totalParams: 0, extraParams: 0, baseBytes: 0, optimizerStateBytes: 0, adapterBytes: 0,
    peakBytes: 0, peakRssBytes: 0, tokensPerS: 0, msPerStep: 0, steps: 0, metrics: [], curves: [], predictions: [],
  };
}

/** Bytes of the adapter state as saved (safetensors), written to a temporary file and removed. */
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
