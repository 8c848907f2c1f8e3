// Reads what a report needs from the results store into plain typed rows (the only module that writes SQL).
import type { Store } from '../harness/store/index.js';
import { metricsAsV3 } from '../harness/store/metric-roles.js';

export interface RunRow {
  runId: string; suite: string; gitCommit: string | null; backend: string; kernelPack: string;
  blas: string | null; threads: number; host: string; cpu: string; packages: Record<string, string>;
  startedAt: Date; finishedAt: Date | null;
  /** How the run ended: 'finished', 'stopped' (Ctrl-C, a dead backend; see stopReason), or 'interrupted' (killed or
      crashed: found unfinished by the next run). Null in stores from before schema 3 that were never reopened. */
  status: string | null; stopReason: string | null;
}

/** A stored score with the direction stored beside it (null only where the store knows none). */
export interface Score { metric: string; value: number; higherIsBetter: boolean | null }

export interface TrialRow {
  /** `technique` is the row name: the suite label (the technique id unless the suite names a variant). */
  trialId: string; runId: string; model: string; dataset: string; technique: string; category: string;
  seed: number; status: 'ok' | 'failed' | 'skipped' | 'interrupted'; error: string | null;
  trainableParams: number | null; totalParams: number | null; peakBytes: number | null;
  peakRssBytes: number | null; adapterBytes: number | null; tokensPerS: number | null; msPerStep: number | null;
  /** Trainable task-head entries (null in stores from before they were recorded). */
  headParams: number | null;
  /** The trial's primary test score (see harness/store/README.md, "Conventions"). */
  primary: Score | null;
  /** Baseline rows of the test split (majority class and the like). */
  baselines: Score[];
}

export interface CurvePoint { trialId: string; step: number; loss: number; lr: number }
/** Technique-specific measurements charted on their own: expert utilisation, perplexity by context length. */
export interface ExtraMetric { trialId: string; name: string; value: number; context: number | null }
export interface Prediction { trialId: string; item: number; predicted: number; target: number }

export interface ReportedRow {
  technique: string; category: string; baseModel: string; benchmark: string; task: string; metric: string;
  value: number | null; trainableParams: string | null; sourcePaper: string; sourceYear: number | null;
  sourceTable: string; sourceUrl: string | null; notes: string | null;
}

export interface ReportData {
  runs: RunRow[];
  trials: TrialRow[];
  curves: CurvePoint[];
  predictions: Prediction[];
  reported: ReportedRow[];
  extras: ExtraMetric[];
}

/** All trials in the database, or only those of one run. */
export async function loadReportData(store: Store, runId?: string): Promise<ReportData> {
  const runFilter = runId ? 'WHERE run_id = $1' : '';
  const trialFilter = runId ? 'WHERE t.run_id = $1' : '';
  const params = runId ? [runId] : [];

  const runs = (await store.query(`SELECT * FROM runs ${runFilter} ORDER BY started_at`, params)).map((r) => ({
    runId: r.run_id as string, suite: r.suite as string, gitCommit: r.git_commit as string | null,
    backend: r.backend as string, kernelPack: r.kernel_pack as string, blas: r.blas as string | null,
    threads: r.threads as number, host: r.host as string, cpu: r.cpu as string,
    packages: JSON.parse(r.packages as string) as Record<string, string>,
    startedAt: r.started_at as Date, finishedAt: r.finished_at as Date | null,
    status: (r.status as string | undefined) ?? null, stopReason: (r.stop_reason as string | undefined) ?? null,
  }));
  if (runId && runs.length === 0) throw new Error(`No run with id ${runId} in the results database.`);

  // A store opened read-only may predate schema 3 (roles in metric names): read it in today's shape.
  const hasRoles = (await store.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'metrics' AND column_name = 'role'`)).length > 0;
  const metrics = metricsAsV3(hasRoles);
  // rowid keeps insertion order, which is what "the first test metric the trial stored" means.
  const metricRows = await store.query(
    `SELECT m.trial_id, m.step, m.name, m.value, m.role, m.higher_is_better FROM ${metrics} m JOIN trials t USING (trial_id)
     ${trialFilter} ${trialFilter ? 'AND' : 'WHERE'} m.split = 'test' ORDER BY m.rid`, params);
  const testMetrics = new Map<string, Stored[]>();
  for (const m of metricRows) {
    const list = testMetrics.get(m.trial_id as string) ?? [];
    list.push({ name: m.name as string, step: m.step as number, value: m.value as number, role: m.role as string, higherIsBetter: m.higher_is_better as boolean | null });
    testMetrics.set(m.trial_id as string, list);
  }

  const trials = (await store.query(`SELECT * FROM trials t ${trialFilter} ORDER BY t.model, t.dataset, t.technique, t.seed`, params))
    .map((r): TrialRow => {
      const ms = testMetrics.get(r.trial_id as string) ?? [];
      return {
        trialId: r.trial_id as string, runId: r.run_id as string, model: r.model as string,
        dataset: r.dataset as string, technique: rowName(r.technique as string, r.config), category: r.category as string,
        seed: r.seed as number, status: r.status as TrialRow['status'], error: r.error as string | null,
        trainableParams: r.trainable_params as number | null, totalParams: r.total_params as number | null,
        peakBytes: r.peak_bytes as number | null, peakRssBytes: r.peak_rss_bytes as number | null,
        adapterBytes: r.adapter_bytes as number | null, tokensPerS: r.tokens_per_s as number | null,
        msPerStep: r.ms_per_step as number | null, headParams: (r.head_params ?? null) as number | null,
        primary: primaryOf(ms), baselines: byRole(ms, 'baseline'),
      };
    });

  const curves = (await store.query(
    `SELECT c.trial_id, c.step, c.loss, c.lr FROM curves c JOIN trials t USING (trial_id) ${trialFilter} ORDER BY c.trial_id, c.step`, params,
  )).map((r) => ({ trialId: r.trial_id as string, step: r.step as number, loss: r.loss as number, lr: r.lr as number }));

  const predictions = (await store.query(
    `SELECT p.trial_id, p.item, p.predicted, p.target FROM predictions p JOIN trials t USING (trial_id)
     ${trialFilter} ${trialFilter ? 'AND' : 'WHERE'} p.split = 'test'`, params,
  )).map((r) => ({ trialId: r.trial_id as string, item: r.item as number, predicted: r.predicted as number, target: r.target as number }));

  const reported = (await store.query(`SELECT * FROM reported ORDER BY rowid`)).map((r) => ({
    technique: r.technique as string, category: r.category as string, baseModel: r.base_model as string,
    benchmark: r.benchmark as string, task: r.task as string, metric: r.metric as string,
    value: r.value as number | null, trainableParams: r.trainable_params as string | null,
    sourcePaper: r.source_paper as string, sourceYear: r.source_year as number | null,
    sourceTable: r.source_table as string, sourceUrl: r.source_url as string | null, notes: r.notes as string | null,
  }));

  // Expert utilisation from the plugins' metrics() (`util.layer<N>.expert<E>`) and held-out perplexity by context length.
  const extras = (await store.query(
    `SELECT m.trial_id, m.name, m.value, m.context FROM ${metrics} m JOIN trials t USING (trial_id)
     ${trialFilter} ${trialFilter ? 'AND' : 'WHERE'} ((m.role = 'technique' AND m.name LIKE 'util.layer%') OR (m.role = 'heldout' AND m.context IS NOT NULL))`, params,
  )).map((r) => ({ trialId: r.trial_id as string, name: r.name as string, value: r.value as number, context: (r.context ?? null) as number | null }));

  return { runs, trials, curves, predictions, reported, extras };
}

interface Stored { name: string; step: number; value: number; role: string; higherIsBetter: boolean | null }

/** The `primary` row wins; else the first test score the trial stored; at its last step. */
function primaryOf(ms: Stored[]): Score | null {
  const tagged = byRole(ms, 'primary');
  if (tagged.length) return tagged[0]!;
  const first = ms.find((m) => m.role === 'score');
  if (!first) return null;
  return lastStep(ms.filter((m) => m.role === 'score' && m.name === first.name));
}

function byRole(ms: Stored[], role: string): Score[] {
  const names = [...new Set(ms.filter((m) => m.role === role).map((m) => m.name))];
  return names.map((n) => lastStep(ms.filter((m) => m.role === role && m.name === n)));
}

function lastStep(ms: Stored[]): Score {
  const last = ms.reduce((a, b) => (b.step >= a.step ? b : a));
  return { metric: last.name, value: last.value, higherIsBetter: last.higherIsBetter };
}

/**
 * The name a trial's row goes by: its suite label when it has one (a technique run twice with different configs,
 * like O-LoRA and its unconstrained `seq-lora` twin, gives two rows), else the technique id.
 */
function rowName(technique: string, config: unknown): string {
  try {
    const label = (JSON.parse(String(config)) as { label?: unknown }).label;
    return typeof label === 'string' && label.length > 0 ? label : technique;
  } catch {
    return technique;
  }
}
