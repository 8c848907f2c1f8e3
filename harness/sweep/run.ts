// The sweep: plan a suite, prepare bases and data, run every unfinished trial, store each as it finishes.
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Registry } from '../../core/registry.js';
import type { AnyTechnique } from '../plugin.js';
import { Store, type TrialRecord } from '../store/index.js';
import { baseFor, type Base } from '../zoo/bases.js';
import { loadDataset, type Dataset } from '../../datasets/index.js';
import type { BackendInfo } from '../backend/index.js';
import type { PretrainProgress } from '../zoo/pretrain.js';
import type { StepReport } from '../train/trainer.js';
import { ROOT } from '../../core/paths.js';
import { configHash, plan, type PlannedTrial } from './plan.js';
import { datasetIdOf, isFileDataset, modelIdOf, type Suite } from './suite.js';
import { loadFileDataset } from '../../datasets/files/index.js';
import { refusedRecord, runTrial } from './trial.js';
import { baseHeldOut } from './base-probes.js';
import { backendFault } from '../backend/health.js';
import { checkPrecision, plannedBases, refusedTrials } from './preflight.js';
import { REFUSED_BEFORE_LOAD, storedTrials } from './stored.js';
import { TrainRows } from './train-rows.js';

export interface SweepEvents {
  planned?(trials: PlannedTrial[], alreadyDone: number): void;
  pretraining?(model: string, p: PretrainProgress): void;
  trialStart?(t: PlannedTrial): void;
  step?(t: PlannedTrial, r: StepReport): void;
  trialEnd?(t: PlannedTrial, r: TrialRecord): void;
}

export interface SweepOptions {
  db: string;
  /** The techniques a suite may name (the composition root passes the catalogue). */
  techniques: Registry<AnyTechnique>;
  /** Create the database's directory (only for the default location). */
  createDir?: boolean;
  backend: BackendInfo;
  events?: SweepEvents;
  /** Checked between steps and trials: a requested stop ends after the trial in flight is stored. */
  shouldStop?: () => boolean;
  /** Run only trials whose index % n === k (several machines share one plan). */
  shard?: { k: number; n: number };
  /** Run again the trials stored as failed (by default every stored trial counts as done). */
  retryFailed?: boolean;
}

export interface SweepSummary {
  runId: string;
  planned: number;
  skippedAsDone: number;
  ran: number;
  failed: number;
  stopped: boolean;
  /** Why the sweep ended early when not asked to (the backend died). */
  stopReason?: string;
  /** The backend broke: the process must exit and a new one continue. */
  backendDead?: boolean;
}

export function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

export function packageVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = { node: process.version };
  for (const p of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', 'webgpu', '@duckdb/node-api', 'vega-lite']) {
    try {
      out[p] = require(`${p}/package.json`).version;
    } catch {
      /* optional */
    }
  }
  return out;
}

export interface SweepPlan {
  trials: PlannedTrial[];
  datasets: Map<string, Dataset>;
  /** The training rows the memory check tokenised, kept for the trials that train on them. */
  trainRows: TrainRows;
  /** Trials that cannot fit in the backend's memory, each with its one sentence. */
  refused: Map<PlannedTrial, string>;
}

/** The suite's trials (this shard's) and datasets, checked: bad ids, configs, precision or data stop here with their sentence. */
async function planTrials(suite: Suite, opts: Pick<SweepOptions, 'techniques' | 'backend' | 'shard'>): Promise<Pick<SweepPlan, 'trials' | 'datasets'>> {
  let trials = plan(suite, opts.techniques); // validates ids and configs before anything is opened
  if (opts.shard) trials = trials.filter((t) => t.index % opts.shard!.n === opts.shard!.k);
  checkPrecision(trials, opts.backend); // before any data, base or database is touched
  // Data first: a malformed user file stops the sweep with its one sentence before the database is opened.
  const datasets = new Map<string, Dataset>();
  for (const d of suite.datasets) datasets.set(datasetIdOf(d), isFileDataset(d) ? await loadFileDataset(d) : await loadDataset(datasetIdOf(d)));
  return { trials, datasets };
}

/**
 * A sweep's plan and its checks, with nothing stored, loaded or trained (`ftbench reproduce --plan` prints it): bad ids,
 * configs, precision or data stop here with their sentence; trials that cannot fit come back with theirs.
 */
export async function planSweep(suite: Suite, opts: Pick<SweepOptions, 'techniques' | 'backend' | 'shard'>): Promise<SweepPlan> {
  const { trials, datasets } = await planTrials(suite, opts);
  const trainRows = new TrainRows();
  const refused = await refusedTrials(suite, trials, datasets, trainRows, opts.backend.name);
  return { trials, datasets, trainRows, refused };
}

export async function runSweep(suite: Suite, opts: SweepOptions): Promise<SweepSummary> {
  const { trials, datasets } = await planTrials(suite, opts);
  const planned = await plannedBases(suite, trials); // a bad config.json stops here, before the database is opened
  const store = await Store.open(opts.db, { createDir: opts.createDir });
  const ev = opts.events ?? {};
  const summary: SweepSummary = { runId: '', planned: trials.length, skippedAsDone: 0, ran: 0, failed: 0, stopped: false };
  try {
    // Stored trials first, so a resumed sweep neither tokenises their training splits nor loads a base only they use.
    const done = await store.finishedConfigHashes({ retryFailed: opts.retryFailed });
    const { stored, keyed } = await storedTrials(suite, trials, datasets, done, opts.backend.name);
    const todo = trials.filter((t) => !stored.has(t));
    // Trials that cannot fit are stored as failed before their base is read or pretrained (a crash would take the
    // backend down with it), judged from each base's config and tokenizer; the training rows it tokenises are the trials'.
    const trainRows = new TrainRows();
    const refused = await refusedTrials(suite, todo, datasets, trainRows, opts.backend.name, planned);
    // A base no trial to run needs (all of them stored or refused) is not loaded.
    const bases = new Map<string, Base & { heldOutLoss: number }>();
    for (const entry of suite.models) {
      const id = modelIdOf(entry);
      if (todo.every((t) => t.model !== id || refused.has(t))) continue;
      const base = await baseFor(entry, (p) => ev.pretraining?.(id, p));
      bases.set(id, { ...base, heldOutLoss: await baseHeldOut(base, suite.budget.heldout_windows) });
    }
    // A refused trial is stored under its base's hash when a run has loaded that base, else under REFUSED_BEFORE_LOAD.
    const checkpointOf = (model: string) => bases.get(model)?.checkpointHash ?? keyed.get(model) ?? REFUSED_BEFORE_LOAD;
    const hashOf = (t: PlannedTrial) =>
      configHash(t, { checkpointHash: checkpointOf(t.model), datasetHash: datasets.get(t.dataset)!.contentHash, backend: opts.backend.name });
    summary.skippedAsDone = trials.length - todo.length;
    ev.planned?.(trials, summary.skippedAsDone);
    const { backend } = opts;
    summary.runId = await store.beginRun({
      suite: suite.name,
      gitCommit: gitCommit(),
      backend: backend.name,
      kernelPack: backend.kernelPack,
      blas: backend.blas,
      threads: backend.threads,
      host: os.hostname(),
      cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
      packages: packageVersions(),
      startedAt: new Date(),
    });
    for (const t of todo) {
      if (opts.shouldStop?.()) {
        summary.stopped = true;
        break;
      }
      ev.trialStart?.(t);
      const base = bases.get(t.model)!;
      const no = refused.get(t);
      const record = no ? refusedRecord(t, hashOf(t), no) : await runTrial(t, {
        base,
        dataset: datasets.get(t.dataset)!,
        baseHeldOutLoss: base.heldOutLoss,
        trainRows,
        configHash: hashOf(t),
        onStep: (r) => ev.step?.(t, r),
        shouldStop: opts.shouldStop,
      });
      await store.recordTrial(summary.runId, record);
      summary.ran++;
      if (record.status === 'failed') summary.failed++;
      ev.trialEnd?.(t, record);
      if (record.status === 'interrupted') {
        summary.stopped = true; // stored with its curve; a resumed run trains it again
        break;
      }
      const fault = record.status === 'failed' ? backendFault() : null;
      if (fault) {
        // Every later trial would fail on the broken backend: only the culprit is stored as failed, and a fresh
        // process (the same command again) continues with the rest.
        summary.stopped = true;
        summary.backendDead = true;
        summary.stopReason = `the backend broke during ${t.label} on ${t.model}/${t.dataset} seed ${t.seed} (${fault}), and this process cannot use it again`;
        break;
      }
    }
    await store.finishRun(summary.runId, summary.stopped ? { status: 'stopped', reason: summary.stopReason ?? 'stopped by the user' } : { status: 'finished' });
  } finally {
    await store.close();
  }
  return summary;
}
