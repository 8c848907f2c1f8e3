// `ftbench run --queue`: plans the suite, enqueues the unfinished trials on BullMQ, and stays up as the single writer
// that stores each finished trial in DuckDB (one transaction per trial) and only then removes it from Redis.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Registry } from '../../../core/registry.js';
import type { AnyTechnique } from '../../plugin.js';
import type { BackendInfo } from '../../backend/index.js';
import { Store, type TrialRecord } from '../../store/index.js';
import type { PlannedTrial } from '../plan.js';
import { gitCommit, packageVersions, type SweepEvents, type SweepSummary } from '../run.js';
import type { Suite } from '../suite.js';
import { identify } from './identity.js';
import { checkPrecision } from '../preflight.js';
import { connectionOf, decodeRecord, FTBENCH_VERSION, QUEUE_NAME, type TrialJob, type TrialProgress } from './protocol.js';

export interface QueueSweepOptions {
  url: string;
  db: string;
  createDir?: boolean;
  techniques: Registry<AnyTechnique>;
  backend: BackendInfo;
  /** Runs a trial gets at most, counting the first; BullMQ retries with exponential backoff in between. */
  attempts: number;
  events?: SweepEvents;
  shouldStop?: () => boolean;
  retryFailed?: boolean;
  /** How often Redis is asked for finished trials. */
  pollMs?: number;
}

export async function runQueueSweep(suite: Suite, o: QueueSweepOptions): Promise<SweepSummary> {
  const connection = connectionOf(o.url);
  const id = await identify(suite, o.techniques, o.backend.name);
  checkPrecision(id.trials, o.backend);
  const store = await Store.open(o.db, { createDir: o.createDir });
  const ev = o.events ?? {};
  const summary: SweepSummary = { runId: '', planned: id.trials.length, skippedAsDone: 0, ran: 0, failed: 0, stopped: false };
  const queue = new Queue<TrialJob, string>(QUEUE_NAME, { connection });
  const queueEvents = new QueueEvents(QUEUE_NAME, { connection });
  try {
    const done = await store.finishedConfigHashes({ retryFailed: o.retryFailed });
    const byHash = new Map(id.hashes.map((h, i) => [h, id.trials[i]]));
    const pending = new Map(id.hashes.filter((h) => !done.has(h)).map((h) => [h, byHash.get(h)!]));
    summary.skippedAsDone = id.trials.length - pending.size;
    ev.planned?.(id.trials, summary.skippedAsDone);
    summary.runId = await store.beginRun({
      suite: suite.name, gitCommit: gitCommit(), backend: o.backend.name, kernelPack: o.backend.kernelPack, blas: o.backend.blas,
      threads: o.backend.threads, host: os.hostname(), cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
      packages: { ...packageVersions(), queue: o.url.replace(/\/\/[^@/]*@/, '//') }, startedAt: new Date(),
    });
    queueEvents.on('active', ({ jobId }) => {
      const t = pending.get(jobId);
      if (t) ev.trialStart?.(t);
    });
    queueEvents.on('progress', ({ jobId, data }) => {
      const t = pending.get(jobId);
      if (t && typeof data === 'object') ev.step?.(t, data as unknown as TrialProgress);
    });
    // The job id is the config hash: a trial already waiting, running or finished in Redis is not added twice.
    const jobs = [...pending].map(([hash, t]) => ({
      name: suite.name,
      data: { ftbench: FTBENCH_VERSION, suiteName: suite.name, suiteHash: id.suiteHash, suite, index: t.index, configHash: hash, backend: o.backend.name, label: t.label },
      opts: { jobId: hash, attempts: o.attempts, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: false, removeOnFail: false },
    }));
    for (let i = 0; i < jobs.length; i += 500) await queue.addBulk(jobs.slice(i, i + 500));

    const ours = new Set(id.hashes);
    while (pending.size > 0) {
      if (o.shouldStop?.()) {
        summary.stopped = true;
        break;
      }
      for (const { state, job } of await finishedJobs(queue)) {
        if (!job.id || !ours.has(job.id)) continue; // another suite's, for its own writer
        const t = pending.get(job.id);
        if (t) {
          const record = state === 'completed' ? decodeRecord(job.returnvalue) : failedRecord(t, job);
          await store.recordTrial(summary.runId, record);
          pending.delete(job.id);
          summary.ran++;
          if (record.status === 'failed') summary.failed++;
          ev.trialEnd?.(t, record);
        }
        // Stored (now, or before a crash between storing and removing): Redis no longer needs it.
        await job.remove().catch(() => undefined);
      }
      if (pending.size > 0) await sleep(o.pollMs ?? 500);
    }
    await store.finishRun(summary.runId);
  } finally {
    await queueEvents.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    await store.close();
  }
  return summary;
}

/** Every completed job, and every failed one that will not be retried, oldest first. */
async function finishedJobs(queue: Queue<TrialJob, string>): Promise<{ state: 'completed' | 'failed'; job: Job<TrialJob, string> }[]> {
  const out: { state: 'completed' | 'failed'; job: Job<TrialJob, string> }[] = [];
  for (const state of ['completed', 'failed'] as const) {
    for (let start = 0; ; start += 500) {
      const page = (await queue.getJobs([state], start, start + 499, true)).filter(Boolean);
      out.push(...page.map((job) => ({ state, job })));
      if (page.length < 500) break;
    }
  }
  return out;
}

/** The record of a trial whose every attempt failed (its process died, or the backend aborted), with BullMQ's reason. */
function failedRecord(t: PlannedTrial, job: Job<TrialJob, string>): TrialRecord {
  const at = (ms: number | undefined) => new Date(ms ?? Date.now());
  return {
    trialId: crypto.randomUUID(), configHash: job.id!, model: t.model, dataset: t.dataset, technique: t.technique.id,
    category: t.technique.category, seed: t.seed, config: { technique: t.config, label: t.label, lr: t.lr, budget: t.budget },
    status: 'failed', error: `failed in ${job.attemptsMade} attempt(s) on the queue: ${job.failedReason || 'no reason given'}`,
    startedAt: at(job.processedOn), finishedAt: at(job.finishedOn),
    trainableParams: 0, totalParams: 0, extraParams: 0, baseBytes: 0, optimizerStateBytes: 0, adapterBytes: 0,
    peakBytes: 0, peakRssBytes: 0, tokensPerS: 0, msPerStep: 0, steps: 0, metrics: [], curves: [], predictions: [],
  };
}
