// The records the sweep hands to the results store: one run, and each finished trial of it.
import type { MetricRow } from '../eval/rows.js';

export interface RunMeta {
  suite: string;
  gitCommit: string | null;
  backend: string;
  kernelPack: string;
  blas: string | null;
  threads: number;
  host: string;
  cpu: string;
  packages: Record<string, string>;
  startedAt: Date;
}

/** 'interrupted': the trial in flight when the user pressed Ctrl-C (stored so its curve is kept; the next run trains it again). */
export type TrialStatus = 'ok' | 'failed' | 'skipped' | 'interrupted';
export const TRIAL_STATUSES: readonly TrialStatus[] = ['ok', 'failed', 'skipped', 'interrupted'];

export type { MetricRow, MetricRole } from '../eval/rows.js';
export interface CurveRow { step: number; loss: number; lr: number }
/** One evaluation item's outcome, kept so reports can run paired tests (McNemar, paired bootstrap). */
export interface PredictionRow { split: string; item: number; predicted: number; target: number }

export interface TrialRecord {
  trialId: string;            // uuid
  configHash: string;         // identity for resume
  model: string;
  dataset: string;
  technique: string;
  category: string;
  seed: number;
  config: object;             // full technique config + budget, stored as JSON text
  status: TrialStatus;
  error: string | null;
  startedAt: Date;
  finishedAt: Date;
  trainableParams: number;
  totalParams: number;
  extraParams: number;
  baseBytes: number;
  optimizerStateBytes: number;
  adapterBytes: number;
  peakBytes: number;
  peakRssBytes: number;
  tokensPerS: number;
  msPerStep: number;
  steps: number;
  /** Trainable entries of the task head(s), which every technique trains; shares are quoted without them (papers do). */
  headParams?: number;
  /** Every measurement, with its role and direction (see harness/store/README.md, "Conventions"). */
  metrics: MetricRow[];
  curves: CurveRow[];
  predictions?: PredictionRow[];
}
