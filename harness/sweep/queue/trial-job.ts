// Runs one queued trial in the current process (a worker's child): checks it agrees with the writer, then trains it.
import type { Registry } from '../../../core/registry.js';
import type { AnyTechnique } from '../../plugin.js';
import { initBackend, type BackendChoice } from '../../backend/index.js';
import { backendFault } from '../../backend/health.js';
import type { TrialRecord } from '../../store/index.js';
import { modelIdOf } from '../suite.js';
import { plannedBase, type Base } from '../../zoo/bases.js';
import { refusedRecord, runTrial } from '../trial.js';
import { plannedRefusal } from '../preflight.js';
import { TrainRows } from '../train-rows.js';
import { baseHeldOut } from '../base-probes.js';
import { identify, type PlanIdentity } from './identity.js';
import { FTBENCH_VERSION, type TrialJob, type TrialProgress } from './protocol.js';

// A child runs many trials of a suite: plan it and measure each base's held-out loss once per process.
const plans = new Map<string, Promise<PlanIdentity>>();
const heldOut = new Map<string, number>();
const bases = new Map<string, Promise<Base>>();
// Per suite (ids name different files in different suites): each base's config and tokenizer, and the training rows
// tokenised once per base, dataset and length, shared by the memory check and the trials this process runs.
const planned = new Map<string, ReturnType<typeof plannedBase>>();
const trainRows = new Map<string, TrainRows>();

/**
 * A record comes with the backend's state after it: a failed trial that broke the backend (judged by state, in the
 * process that ran it) means the process must be replaced and the job retried elsewhere.
 */
export type JobOutcome = { kind: 'mismatch'; reason: string } | { kind: 'record'; record: TrialRecord; backendFault: string | null };

/** Why this process must not run the job (one sentence), or null when it agrees with the writer. */
export function versionMismatch(job: TrialJob): string | null {
  if (job.ftbench === FTBENCH_VERSION) return null;
  return `This worker runs ftbench ${FTBENCH_VERSION} but suite ${job.suiteName} was queued by ftbench ${job.ftbench}; ` +
    `the job was put back: run workers from the same ftbench as the writer.`;
}

export async function runTrialJob(
  job: TrialJob,
  opts: { techniques: Registry<AnyTechnique>; backend: BackendChoice; onStep?: (p: TrialProgress) => void },
): Promise<JobOutcome> {
  const version = versionMismatch(job);
  if (version) return { kind: 'mismatch', reason: version };
  const backend = await initBackend(opts.backend);
  if (backend.name !== job.backend) {
    return { kind: 'mismatch', reason: `This worker's tensor backend is ${backend.name} but suite ${job.suiteName} was queued for ${job.backend}; the job was put back: start the worker with --backend ${job.backend}.` };
  }
  const key = `${job.suiteHash}/${backend.name}`;
  if (!plans.has(key)) plans.set(key, identify(job.suite, opts.techniques, backend.name));
  const id = await plans.get(key)!;
  if (id.suiteHash !== job.suiteHash || id.hashes[job.index] !== job.configHash) {
    return { kind: 'mismatch', reason: `This worker plans suite ${job.suiteName} with hash ${id.suiteHash} but the writer's is ${job.suiteHash} (different code, data or base models); the job was put back: run workers from the writer's ftbench checkout and data.` };
  }
  const t = id.trials[job.index];
  const entry = job.suite.models.find((m) => modelIdOf(m) === t.model)!;
  const dataset = id.datasets.get(t.dataset)!;
  // As in a sweep: a trial that cannot fit is stored as failed with its sentence before its base is loaded.
  if (!planned.has(`${key}/${t.model}`)) planned.set(`${key}/${t.model}`, plannedBase(entry));
  if (!trainRows.has(key)) trainRows.set(key, new TrainRows());
  const rows = trainRows.get(key)!;
  const no = plannedRefusal(t, await planned.get(`${key}/${t.model}`)!, dataset, rows, backend.name);
  if (no) return { kind: 'record', record: refusedRecord(t, job.configHash, no), backendFault: null };
  const { lockedBase } = await import('./base-lock.js');
  if (!bases.has(t.model)) bases.set(t.model, lockedBase(entry));
  const base = await bases.get(t.model)!;
  // The trial's forgetting is measured on its budget's windows; the base's loss must be taken on the same ones.
  const windowsKey = `${base.checkpoint}:${t.budget.heldout_windows ?? 64}`;
  if (!heldOut.has(windowsKey)) heldOut.set(windowsKey, await baseHeldOut(base, t.budget.heldout_windows));
  const record = await runTrial(t, {
    base,
    dataset,
    baseHeldOutLoss: heldOut.get(windowsKey)!,
    trainRows: rows,
    configHash: job.configHash,
    onStep: opts.onStep,
  });
  return { kind: 'record', record, backendFault: record.status === 'failed' ? backendFault() : null };
}
