// The dashboard's state: a reducer over the sweep's events (SweepEvents), a tiny subscribable store, and the numbers it shows.
import type { SweepEvents } from '../../harness/sweep/run.js';
import type { PlannedTrial } from '../../harness/sweep/plan.js';
import type { TrialRecord } from '../../harness/store/index.js';

/** Loss points kept for the sparkline. */
export const SPARK_POINTS = 40;

export interface CurrentTrial {
  label: string;
  technique: string;
  model: string;
  dataset: string;
  seed: number;
  step: number;
  total: number;
  loss: number | null;
  losses: number[];
  tokensPerS: number | null;
  startedAt: number;
}

export interface FinishedTrial {
  label: string;
  model: string;
  dataset: string;
  seed: number;
  status: TrialRecord['status'];
  /** Primary test metric name and value (see harness/store/README.md), null when the trial has none. */
  metric: string | null;
  value: number | null;
  error: string | null;
  seconds: number;
}

export interface DashboardState {
  /** Trials in the plan, already stored, and to run now. */
  planned: number;
  alreadyDone: number;
  toRun: number;
  pretraining: { model: string; step: number; total: number; loss: number } | null;
  current: CurrentTrial | null;
  finished: FinishedTrial[];
  /** When the first trial started (ms), for the ETA. */
  startedAt: number | null;
  now: number;
  stopping: boolean;
  /** Set when the sweep returned. */
  done: { stopped: boolean; ran: number; failed: number; reason?: string } | null;
}

export type Action =
  | { type: 'planned'; planned: number; alreadyDone: number }
  | { type: 'pretraining'; model: string; step: number; total: number; loss: number }
  | { type: 'trialStart'; trial: Omit<CurrentTrial, 'step' | 'loss' | 'losses' | 'tokensPerS' | 'startedAt'> & { total: number } }
  | { type: 'step'; step: number; total: number; loss: number; tokensPerS: number }
  | { type: 'trialEnd'; trial: Omit<FinishedTrial, 'seconds'> }
  | { type: 'stopping' }
  | { type: 'done'; stopped: boolean; ran: number; failed: number; reason?: string };

export const initialState = (now = Date.now()): DashboardState => ({
  planned: 0, alreadyDone: 0, toRun: 0, pretraining: null, current: null, finished: [], startedAt: null, now, stopping: false, done: null,
});

export function reduce(s: DashboardState, a: Action, now: number): DashboardState {
  s = { ...s, now };
  switch (a.type) {
    case 'planned':
      return { ...s, planned: a.planned, alreadyDone: a.alreadyDone, toRun: a.planned - a.alreadyDone, pretraining: null };
    case 'pretraining':
      return { ...s, pretraining: a.step >= a.total ? null : { model: a.model, step: a.step, total: a.total, loss: a.loss } };
    case 'trialStart':
      return {
        ...s,
        startedAt: s.startedAt ?? now,
        current: { ...a.trial, step: 0, loss: null, losses: [], tokensPerS: null, startedAt: now },
      };
    case 'step': {
      if (!s.current) return s;
      const losses = [...s.current.losses, a.loss].slice(-SPARK_POINTS);
      return { ...s, current: { ...s.current, step: a.step, total: a.total, loss: a.loss, losses, tokensPerS: a.tokensPerS } };
    }
    case 'trialEnd': {
      const seconds = s.current ? (now - s.current.startedAt) / 1000 : 0;
      return { ...s, current: null, finished: [...s.finished, { ...a.trial, seconds }] };
    }
    case 'stopping':
      return { ...s, stopping: true };
    case 'done':
      return { ...s, current: null, pretraining: null, done: { stopped: a.stopped, ran: a.ran, failed: a.failed, reason: a.reason } };
  }
}

/** Fraction of this session's trials done, counting the current trial's steps. */
export function progress(s: DashboardState): number {
  if (s.toRun === 0) return s.done ? 1 : 0;
  const partial = s.current && s.current.total > 0 ? s.current.step / s.current.total : 0;
  return Math.min(1, (s.finished.length + partial) / s.toRun);
}

/** Seconds left at the pace so far, null before there is a pace to go by. */
export function etaSeconds(s: DashboardState): number | null {
  const f = progress(s);
  if (!s.startedAt || f <= 0 || f >= 1) return null;
  const elapsed = (s.now - s.startedAt) / 1000;
  return (elapsed * (1 - f)) / f;
}

export function formatDuration(seconds: number): string {
  const t = Math.round(seconds);
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

const BARS = '▁▂▃▄▅▆▇█';

/** Values as a one-line chart, scaled between their min and max; non-finite values show as '·'. */
export function sparkline(values: number[]): string {
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite), hi = Math.max(...finite);
  return values
    .map((v) => (!Number.isFinite(v) ? '·' : BARS[hi > lo ? Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1)) : 0]))
    .join('');
}

export interface DashboardStore {
  getState(): DashboardState;
  dispatch(a: Action): void;
  subscribe(listener: () => void): () => void;
}

export function createDashboardStore(clock: () => number = Date.now): DashboardStore {
  let state = initialState(clock());
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(a) {
      state = reduce(state, a, clock());
      for (const l of listeners) l();
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

function primaryOf(r: TrialRecord): { metric: string | null; value: number | null } {
  const test = r.metrics.filter((m) => m.split === 'test');
  const m = test.find((m) => m.role === 'primary') ?? test.find((m) => m.role === 'score');
  return m ? { metric: m.name, value: m.value } : { metric: null, value: null };
}

/** The sweep's events as dashboard actions: the dashboard consumes exactly what plain output consumes. */
export function sweepEvents(store: DashboardStore): SweepEvents {
  const of = (t: PlannedTrial) => ({ label: t.label, technique: t.technique.id, model: t.model, dataset: t.dataset, seed: t.seed });
  return {
    planned: (trials, alreadyDone) => store.dispatch({ type: 'planned', planned: trials.length, alreadyDone }),
    pretraining: (model, p) => store.dispatch({ type: 'pretraining', model, step: p.step, total: p.total, loss: p.loss }),
    trialStart: (t) => store.dispatch({ type: 'trialStart', trial: { ...of(t), total: t.budget.steps } }),
    step: (_t, r) => store.dispatch({ type: 'step', step: r.step, total: r.total, loss: r.loss, tokensPerS: r.tokensPerS }),
    trialEnd: (t, r) => store.dispatch({ type: 'trialEnd', trial: { ...of(t), status: r.status, error: r.error, ...primaryOf(r) } }),
  };
}
