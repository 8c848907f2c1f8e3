// The trainer: batches → forward → loss (+aux) → grads of the trainable variables → optimizer. Knows no technique.
import * as tf from '@tensorflow/tfjs';
import { BlockCheckpointer } from '../model/checkpoint.js';
import type { Applied, Optimizer, OptimizerSpec } from '../plugin.js';
import type { Model } from '../model/model.js';
import { Rng } from '../../core/rng.js';
import { AdamW } from './adamw.js';
import { disposeBatch, makeBatch, type Batch, type Encoded } from './batch.js';
import type { Objective } from './objectives/index.js';
import { lrAt, type ScheduleSpec } from './schedule.js';
import { Meter } from '../meters.js';
import { clipOnDevice, clipsOnDevice } from '../backend/webgpu/clip.js';

export interface Budget {
  steps: number;
  batchSize: number;
  lr: number;
  evalEvery: number;
  maxLen: number;
  warmupRatio: number;
  weightDecay: number;
  clipNorm: number;
  schedule: ScheduleSpec['kind'];
  /** Recompute each block in the backward pass instead of keeping its activations (memory for ~one more forward). */
  gradientCheckpointing?: boolean;
}

export interface StepReport {
  step: number;
  total: number;
  loss: number;
  lr: number;
  tokensPerS: number;
}

export interface TrainResult {
  failure: string | null;
  steps: number;
  curves: { step: number; loss: number; lr: number }[];
  evals: { step: number; value: number }[];
  msPerStep: number;
  tokensPerS: number;
  peakBytes: number;
  peakRssBytes: number;
  optimizerStateBytes: number;
}

/** Draws shuffled batches, reshuffling at each epoch; the same seed gives the same order. */
export class BatchStream {
  private order: number[] = [];
  private pos = 0;
  private readonly rng: Rng;
  constructor(private readonly rows: Encoded[], private readonly size: number, private readonly objective: Objective, private readonly maxLen: number, seed: number) {
    if (rows.length === 0) throw new Error('The training split is empty.');
    this.rng = new Rng(seed);
  }
  next(): Batch {
    const picked: Encoded[] = [];
    while (picked.length < this.size) {
      if (this.pos >= this.order.length) {
        this.order = this.rng.shuffle(this.rows.map((_, i) => i));
        this.pos = 0;
      }
      picked.push(this.rows[this.order[this.pos++]]);
    }
    return makeBatch(picked, this.maxLen, this.objective.labelDtype);
  }
}

export function globalNormClip(grads: Map<tf.Variable, tf.Tensor>, maxNorm: number): Map<tf.Variable, tf.Tensor> {
  if (!(maxNorm > 0)) return grads;
  if (clipsOnDevice()) return clipOnDevice(grads, maxNorm); // WebGPU: the same result without reading the norm back
  const normT = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))))));
  const norm = normT.dataSync()[0];
  normT.dispose();
  if (!(norm > maxNorm)) return grads;
  const scale = maxNorm / norm;
  return new Map([...grads].map(([v, g]) => [v, tf.mul(g, scale)]));
}

export interface TrainArgs {
  model: Model;
  applied: Applied;
  objective: Objective;
  stream: BatchStream;
  budget: Budget;
  optimizerSpec: OptimizerSpec;
  /** Scores the dev split; called every evalEvery steps. */
  evalDev?: () => Promise<number>;
  onStep?: (r: StepReport) => void;
  shouldStop?: () => boolean;
}

export async function train(a: TrainArgs): Promise<TrainResult> {
  const { model, applied, objective, budget } = a;
  await applied.prepare?.();
  const groups = applied.paramGroups();
  const vars = groups.flatMap((g) => g.vars);
  const optimizer: Optimizer = applied.optimizer ? applied.optimizer(a.optimizerSpec, groups) : new AdamW(a.optimizerSpec, groups);
  const schedule: ScheduleSpec = { kind: budget.schedule, warmupSteps: Math.round(budget.warmupRatio * budget.steps), minRatio: 0 };
  const meter = new Meter();
  const result: TrainResult = { failure: null, steps: 0, curves: [], evals: [], msPerStep: 0, tokensPerS: 0, peakBytes: 0, peakRssBytes: 0, optimizerStateBytes: 0 };
  model.training = true;
  if (budget.gradientCheckpointing) model.checkpointing = new BlockCheckpointer(() => vars);
  try {
    for (let step = 0; step < budget.steps; step++) {
      // Yield to the event loop once a step: a step's ops and awaits are microtasks, so without this a Ctrl-C (a
      // signal handler, a macrotask) would wait for the whole training loop to end.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (a.shouldStop?.()) break;
      const lr = lrAt(step, budget.steps, budget.lr, schedule);
      const batch = a.stream.next();
      meter.start();
      const { value, grads } = tf.variableGrads(() => {
        const loss = objective.loss(model, batch);
        const aux = applied.auxLoss?.();
        return aux ? tf.add(loss, aux) : loss;
      }, vars);
      meter.sampleMemory();
      let g = new Map<tf.Variable, tf.Tensor>(vars.filter((v) => grads[v.name]).map((v) => [v, grads[v.name]]));
      const transformed = applied.transformGrads ? applied.transformGrads(g) : g;
      const clipped = globalNormClip(transformed, budget.clipNorm);
      optimizer.step(clipped, lr);
      applied.onStep?.({ step, totalSteps: budget.steps, optimizer });
      const loss = (await value.data())[0];
      tf.dispose([value, ...Object.values(grads), ...(transformed !== g ? transformed.values() : []), ...(clipped !== transformed ? clipped.values() : [])]);
      g = new Map();
      meter.stop(batch.tokens);
      disposeBatch(batch);
      if (!Number.isFinite(loss)) {
        result.failure = `loss became ${loss} at step ${step + 1}`;
        break;
      }
      result.steps = step + 1;
      result.curves.push({ step: step + 1, loss, lr });
      a.onStep?.({ step: step + 1, total: budget.steps, loss, lr, tokensPerS: meter.tokensPerS() });
      if (a.evalDev && budget.evalEvery > 0 && (step + 1) % budget.evalEvery === 0 && step + 1 < budget.steps) {
        model.training = false;
        result.evals.push({ step: step + 1, value: await a.evalDev() });
        model.training = true;
      }
    }
  } finally {
    model.training = false;
    model.checkpointing = null;
    result.optimizerStateBytes = optimizer.stateBytes();
    optimizer.dispose();
  }
  Object.assign(result, { msPerStep: meter.msPerStep(), tokensPerS: meter.tokensPerS(), peakBytes: meter.peakBytes, peakRssBytes: meter.peakRss });
  return result;
}
