// The records the sweep hands to the results store: one run, and each finished trial of it.

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

export type TrialStatus = 'ok' | 'failed' | 'skipped';
export const TRIAL_STATUSES: readonly TrialStatus[] = ['ok', 'failed', 'skipped'];

export interface MetricRow { split: string; step: number; name: string; value: number }
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
  /**
   * Conventions the report reads (see harness/store/README.md):
   * - the primary score of a trial is the row `{split:'test', name:'primary:<metric>'}` when present,
   *   else the first `split:'test'` row recorded;
   * - `{split:'test', name:'baseline:<metric>'}` is a reference score (majority class) shown as its own row.
   */
  metrics: MetricRow[];
  curves: CurveRow[];
  predictions?: PredictionRow[];
}
