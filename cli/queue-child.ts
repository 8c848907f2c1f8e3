// A queue worker's child process: runs the trials the worker sends it, one at a time, and sends back each outcome.
import type { BackendChoice } from '../harness/backend/index.js';
import { runTrialJob } from '../harness/sweep/queue/trial-job.js';
import { encodeRecord, type TrialJob } from '../harness/sweep/queue/protocol.js';
import { techniques } from '../techniques/index.js';

// The worker died (kill -9): nobody will read this trial's result, and BullMQ gives the job to another worker.
process.on('disconnect', () => process.exit(1));

const send = (m: unknown) => new Promise<void>((resolve) => (process.connected ? process.send!(m, () => resolve()) : resolve()));

process.on('message', async (msg: { job: TrialJob; backend: BackendChoice }) => {
  try {
    const out = await runTrialJob(msg.job, { techniques, backend: msg.backend, onStep: (p) => void send({ kind: 'step', p }) });
    await send(out.kind === 'record' ? { kind: 'record', record: encodeRecord(out.record), backendFault: out.backendFault } : out);
  } catch (e) {
    // Not a trial's failure (runTrial records those) but the harness's: let BullMQ retry it in a fresh process.
    console.error(`ftbench worker: trial ${msg.job.label} (${msg.job.configHash}): ${(e as Error).message}`);
    process.exit(1);
  }
});
