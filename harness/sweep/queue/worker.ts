// `ftbench worker`: a BullMQ worker that runs each trial in a child process and hands the trial's record back to Redis.
import os from 'node:os';
import { fork, type ChildProcess } from 'node:child_process';
import { Worker, WaitingError, UnrecoverableError, type Job } from 'bullmq';
import type { BackendChoice } from '../../backend/index.js';
import { connectionOf, decodeRecord, encodeRecord, QUEUE_NAME, type TrialJob, type TrialProgress } from './protocol.js';
import { versionMismatch, type JobOutcome } from './trial-job.js';

export interface WorkerOptions {
  url: string;
  concurrency: number;
  /** Runs a job gets at most, counting the first (BullMQ retries with exponential backoff in between). */
  attempts: number;
  /** How long a job's lock lives unless renewed (renewed at half of it); a dead worker's job is re-run after about this. */
  lockMs: number;
  backend: BackendChoice;
  /** The child's entry module: it runs one TrialJob (see cli/queue-child.ts). */
  childEntry: string;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Resolves when the worker has stopped: with the reason when it stopped itself (a mismatch), else null. */
  done: Promise<string | null>;
  /** Stops taking jobs and waits for the trials in flight (force: kill them; BullMQ hands them to another worker). */
  close(force?: boolean): Promise<void>;
}

/** Messages from the child: progress while training, then one outcome (the record JSON-encoded, so NaN survives IPC). */
type ChildMessage = { kind: 'step'; p: TrialProgress } | { kind: 'mismatch'; reason: string } | { kind: 'record'; record: string; backendFault: string | null };

export function startWorker(o: WorkerOptions): RunningWorker {
  const log = o.log ?? ((l: string) => console.log(l));
  const children = new Set<ChildProcess>();
  let stopReason: string | null = null;
  let resolveDone!: (r: string | null) => void;
  const done = new Promise<string | null>((r) => (resolveDone = r));

  // A long CPU-bound trial runs in a child process, so this event loop stays free to renew the job's lock. A child
  // serves one trial at a time and is kept for the next (loading the code, the backend and the data costs seconds);
  // one that dies, or whose backend a trial broke (judged by state in the child), is replaced by a fresh one.
  const idle: ChildProcess[] = [];
  const spawnChild = () => {
    const child = fork(o.childEntry, [], { execArgv: ['--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    child.on('exit', () => {
      children.delete(child);
      const i = idle.indexOf(child);
      if (i >= 0) idle.splice(i, 1);
    });
    return child;
  };
  const runChild = (job: Job<TrialJob>): Promise<JobOutcome> =>
    new Promise((resolve, reject) => {
      const child = idle.pop() ?? spawnChild();
      let lastProgress = 0;
      const finish = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onMessage = (m: ChildMessage) => {
        if (m.kind === 'step') {
          if (Date.now() - lastProgress < 1000 && m.p.step < m.p.total) return;
          lastProgress = Date.now();
          job.updateProgress(m.p as unknown as object).catch(() => undefined);
          return;
        }
        finish();
        const outcome: JobOutcome = m.kind === 'mismatch' ? m : { kind: 'record', record: decodeRecord(m.record), backendFault: m.backendFault };
        if (outcome.kind === 'record' && outcome.backendFault) child.kill();
        else idle.push(child);
        resolve(outcome);
      };
      const onExit = (code: number | null, signal: string | null) => {
        finish();
        reject(new Error(`the trial's process ended without a result (${signal ? `signal ${signal}` : `exit code ${code}`})`));
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ job: job.data, backend: o.backend });
    });

  const stopFor = (reason: string) => {
    if (stopReason) return;
    stopReason = reason;
    setImmediate(() => void worker.close().then(() => {
      for (const c of children) c.kill();
      resolveDone(stopReason);
    }));
  };

  const processor = async (job: Job<TrialJob>, token?: string): Promise<string> => {
    const early = versionMismatch(job.data);
    const outcome: JobOutcome = early ? { kind: 'mismatch', reason: early } : await runChild(job).catch((e: Error) => {
      // The last permitted attempt fails for good, so the writer stores the trial as failed with this reason.
      throw job.attemptsMade + 1 >= o.attempts ? new UnrecoverableError(e.message) : e;
    });
    if (outcome.kind === 'mismatch') {
      // Not consumed: back to waiting for a worker that agrees with the writer; this one stops taking jobs.
      await job.moveToWait(token);
      stopFor(outcome.reason);
      throw new WaitingError();
    }
    const r = outcome.record;
    log(`${job.data.suiteName} ${job.data.label} on ${r.model}/${r.dataset} seed ${r.seed} (config ${r.configHash}): ${r.status}${r.error ? ` (${r.error})` : ''}`);
    if (outcome.backendFault) {
      // A broken backend is the process's fault, not the trial's: let BullMQ retry it in a fresh process.
      const e = new Error(`${r.error ?? 'the trial failed'} (and it broke the backend: ${outcome.backendFault})`);
      throw job.attemptsMade + 1 >= o.attempts ? new UnrecoverableError(e.message) : e;
    }
    return encodeRecord(r);
  };

  const worker = new Worker<TrialJob, string>(QUEUE_NAME, processor, {
    connection: connectionOf(o.url),
    concurrency: o.concurrency,
    lockDuration: o.lockMs,
    stalledInterval: o.lockMs,
    maxStalledCount: 1, // a job whose worker died is re-run once; dying twice marks it failed
    name: `${os.hostname()}:${process.pid}`, // shown as a job's processedBy
  });
  worker.on('error', (e) => log(`ftbench worker: ${e.message}`));
  return {
    done,
    async close(force = false) {
      if (force) for (const c of children) c.kill('SIGKILL');
      await worker.close(force);
      for (const c of children) c.kill();
      resolveDone(stopReason);
    },
  };
}
