// `ftbench queue status`: how many trials of each suite wait, run, finished or failed on the queue.
import { Queue } from 'bullmq';
import { connectionOf, QUEUE_NAME, type TrialJob } from './protocol.js';

export const STATES = ['waiting', 'delayed', 'active', 'completed', 'failed'] as const;
export type QueueCounts = Record<string, Record<(typeof STATES)[number], number>>;

/** Counts per suite (a job's name is its suite's). Completed and failed jobs stay until their suite's writer stores them. */
export async function queueStatus(url: string): Promise<QueueCounts> {
  const queue = new Queue<TrialJob>(QUEUE_NAME, { connection: connectionOf(url) });
  try {
    await queue.waitUntilReady();
    const out: QueueCounts = {};
    for (const state of STATES) {
      for (let start = 0; ; start += 1000) {
        const page = (await queue.getJobs([state], start, start + 999)).filter(Boolean);
        for (const j of page) (out[j.name] ??= { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 })[state]++;
        if (page.length < 1000) break;
      }
    }
    return out;
  } finally {
    await queue.close();
  }
}

export function describeStatus(c: QueueCounts, url: string): string {
  const suites = Object.keys(c).sort();
  if (suites.length === 0) return `no trials on the queue at ${url}`;
  const rows = [['suite', ...STATES], ...suites.map((s) => [s, ...STATES.map((st) => String(c[s][st]))])];
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i]))).join('  ')).join('\n');
}
