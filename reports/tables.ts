// The collated tables: for each base model, techniques grouped by category × datasets, like a survey's.
import { CATEGORIES } from '../harness/plugin.js';
import type { TrialRow } from './load.js';
import { higherIsBetter } from './metrics.js';
import { ci95, mean, std } from './stats.js';

export interface Cell {
  values: number[];           // one per seed
  mean: number;
  std: number;                // NaN with one seed
  ci: [number, number] | null;
  best: boolean;
}

export interface DatasetColumn { dataset: string; metric: string; higherIsBetter: boolean }

export interface TechniqueRow {
  technique: string;
  category: string;
  cells: Record<string, Cell | undefined>;   // by dataset
  average: Cell | null;                       // over datasets, when every column is filled
  trainableParams: number | null;
  backbonePct: number | null;
  peakBytes: number | null;
  tokensPerS: number | null;
  adapterBytes: number | null;
  seeds: number;
}

export interface BaselineRow { name: string; cells: Record<string, number | undefined> }

export interface ModelTable {
  model: string;
  columns: DatasetColumn[];
  /** Whether an average column makes sense (≥ 2 datasets, all scored in the same direction). */
  hasAverage: boolean;
  groups: { category: string; rows: TechniqueRow[] }[];
  baselines: BaselineRow[];
}

/** Builds one table per model from ok trials that have a primary score. */
export function collate(trials: readonly TrialRow[]): ModelTable[] {
  const ok = trials.filter((t) => t.status === 'ok');
  const models = [...new Set(trials.map((t) => t.model))].sort();
  return models.map((model) => modelTable(model, ok.filter((t) => t.model === model)));
}

function modelTable(model: string, trials: TrialRow[]): ModelTable {
  const datasets = [...new Set(trials.map((t) => t.dataset))].sort();
  const columns = datasets.map((dataset): DatasetColumn => {
    const scored = trials.filter((t) => t.dataset === dataset && t.primary);
    const metric = mode(scored.map((t) => t.primary!.metric)) ?? '—';
    // The direction the store keeps with the score; a store without one (foreign rows) falls back to the name.
    const stored = scored.find((t) => t.primary!.metric === metric && t.primary!.higherIsBetter !== null)?.primary!.higherIsBetter;
    return { dataset, metric, higherIsBetter: stored ?? higherIsBetter(metric) };
  });
  const hasAverage = columns.length >= 2 && columns.every((c) => c.higherIsBetter);

  const techniques = [...new Set(trials.map((t) => t.technique))];
  const rows = techniques.map((technique) => techniqueRow(technique, trials.filter((t) => t.technique === technique), columns, hasAverage));
  markBest(rows, columns, hasAverage);

  const order = (c: string) => { const i = (CATEGORIES as readonly string[]).indexOf(c); return i < 0 ? CATEGORIES.length : i; };
  const categories = [...new Set(rows.map((r) => r.category))].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const groups = categories.map((category) => ({
    category,
    // The two references lead their groups so readers find them first.
    rows: rows.filter((r) => r.category === category).sort((a, b) => rank(a.technique) - rank(b.technique) || a.technique.localeCompare(b.technique)),
  }));
  return { model, columns, hasAverage, groups, baselines: baselineRows(trials, columns) };
}

function rank(technique: string): number {
  return technique === 'full-ft' ? 0 : technique === 'lora' ? 1 : 2;
}

function techniqueRow(technique: string, trials: TrialRow[], columns: DatasetColumn[], hasAverage: boolean): TechniqueRow {
  const cells: Record<string, Cell | undefined> = {};
  for (const c of columns) {
    const values = trials
      .filter((t) => t.dataset === c.dataset && t.primary?.metric === c.metric && Number.isFinite(t.primary.value))
      .map((t) => t.primary!.value);
    if (values.length) cells[c.dataset] = cellOf(values);
  }
  let average: Cell | null = null;
  if (hasAverage && columns.every((c) => cells[c.dataset])) {
    // Average per seed across datasets, so its spread is a spread over seeds too.
    const seeds = [...new Set(trials.map((t) => t.seed))];
    const perSeed = seeds
      .map((s) => columns.map((c) => trials.find((t) => t.seed === s && t.dataset === c.dataset)?.primary?.value))
      .filter((vs): vs is number[] => vs.every((v) => v != null && Number.isFinite(v)))
      .map((vs) => mean(vs));
    // The value is the mean of the column means, so it never disagrees with the row; the spread comes
    // from seeds that cover every dataset (an extra seed on one dataset would otherwise skew it).
    const colMean = mean(columns.map((c) => cells[c.dataset]!.mean));
    const spread = perSeed.length >= 2 ? cellOf(perSeed) : null;
    const half = spread?.ci ? (spread.ci[1] - spread.ci[0]) / 2 : NaN;
    average = { values: perSeed.length ? perSeed : [colMean], mean: colMean, std: spread?.std ?? NaN, ci: spread?.ci ? [colMean - half, colMean + half] : null, best: false };
  }
  const nums = (f: (t: TrialRow) => number | null) => trials.map(f).filter((v): v is number => v != null && Number.isFinite(v));
  const avgOrNull = (xs: number[]) => (xs.length ? mean(xs) : null);
  const trainable = avgOrNull(nums((t) => t.trainableParams));
  // The papers' convention: the share of the backbone's parameters, the new task head left out (stores from before
  // head_params was recorded count it in).
  const pcts = nums((t) => {
    if (t.trainableParams == null || !t.totalParams) return null;
    const head = t.headParams ?? 0;
    return (100 * (t.trainableParams - head)) / (t.totalParams - head);
  });
  return {
    technique,
    category: trials[0]!.category,
    cells,
    average,
    trainableParams: trainable,
    backbonePct: avgOrNull(pcts),
    peakBytes: avgOrNull(nums((t) => t.peakBytes)),
    tokensPerS: avgOrNull(nums((t) => t.tokensPerS)),
    adapterBytes: avgOrNull(nums((t) => t.adapterBytes)),
    seeds: new Set(trials.map((t) => t.seed)).size,
  };
}

function cellOf(values: number[]): Cell {
  return { values, mean: mean(values), std: std(values), ci: ci95(values), best: false };
}

function markBest(rows: TechniqueRow[], columns: DatasetColumn[], hasAverage: boolean): void {
  const mark = (get: (r: TechniqueRow) => Cell | null | undefined, higher: boolean) => {
    const cells = rows.map(get).filter((c): c is Cell => !!c && Number.isFinite(c.mean));
    if (cells.length < 2) return;   // a lone entry is not "best" of anything
    const best = higher ? Math.max(...cells.map((c) => c.mean)) : Math.min(...cells.map((c) => c.mean));
    for (const c of cells) if (c.mean === best) c.best = true;
  };
  for (const col of columns) mark((r) => r.cells[col.dataset], col.higherIsBetter);
  if (hasAverage) mark((r) => r.average, true);
}

function baselineRows(trials: TrialRow[], columns: DatasetColumn[]): BaselineRow[] {
  const names = [...new Set(trials.flatMap((t) => t.baselines.map((b) => b.metric)))];
  // A baseline is shown in the column whose primary metric it matches (majority-class accuracy under accuracy).
  return names
    .map((name) => {
      const cells: Record<string, number | undefined> = {};
      for (const c of columns) {
        if (c.metric !== name) continue;
        const vs = trials.filter((t) => t.dataset === c.dataset).flatMap((t) => t.baselines.filter((b) => b.metric === name).map((b) => b.value));
        if (vs.length) cells[c.dataset] = mean(vs);
      }
      return { name, cells };
    })
    .filter((b) => Object.keys(b.cells).length > 0);
}

function mode(xs: string[]): string | null {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best: string | null = null;
  for (const [x, n] of counts) if (best === null || n > counts.get(best)!) best = x;
  return best;
}
