// Starts the Ink dashboard for a sweep: returns the SweepEvents to pass to runSweep and hooks for stop and finish.
import { render } from 'ink';
import type { SweepEvents, SweepSummary } from '../../harness/sweep/run.js';
import { bindDashboard } from './Dashboard.js';
import { createDashboardStore, sweepEvents } from './state.js';

export interface DashboardHandle {
  events: SweepEvents;
  /** Ctrl-C was pressed: show that the sweep stops after the trial in flight, and how to resume. */
  stopping(): void;
  /** Shows the summary and leaves the last frame on screen. */
  finish(summary: SweepSummary): Promise<void>;
  /** Removes the dashboard without a summary (on an error). */
  close(): void;
}

export function startDashboard(opts: { resume: string; stdout?: NodeJS.WriteStream }): DashboardHandle {
  const store = createDashboardStore();
  // Ctrl-C stays a SIGINT for the run command's handler (stop after the trial in flight), not Ink's exit.
  const app = bindDashboard(store, opts.resume, (tree) => render(tree, { exitOnCtrlC: false, maxFps: 10, ...(opts.stdout ? { stdout: opts.stdout } : {}) }));
  return {
    events: sweepEvents(store),
    stopping: () => store.dispatch({ type: 'stopping' }),
    async finish(summary) {
      store.dispatch({ type: 'done', stopped: summary.stopped, ran: summary.ran, failed: summary.failed, reason: summary.stopReason });
      app.unmount();
      await app.waitUntilExit();
      (opts.stdout ?? process.stdout).write('\n'); // Ink leaves the cursor at the end of its last frame
    },
    close() {
      app.unmount();
      (opts.stdout ?? process.stdout).write('\n');
    },
  };
}
