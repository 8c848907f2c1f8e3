// A table run laid out as the paper's table: our mean ± std per cell, the paper's number beside it, Δ, and Kendall τ
// per column; cells we did not run are marked.
import type { Table } from '../harness/sweep/table.js';
import { reportedOf } from '../harness/sweep/table.js';
import type { ReportedRow } from './load.js';
import { tauOverSeeds, type TauWithCi } from './kendall.js';
import { mean, std } from './stats.js';

/** One finished (or failed) trial of the table run: its column's dataset, its row label, seed, test metrics. */
export interface GridTrial { dataset: string; row: string; seed: number; status: string; error: string | null; metrics: Record<string, number> }

export interface GridCell {
  /** Our scores in the paper's units, one per seed (empty: not run). */
  seeds: number[];
  mean: number | null;
  std: number | null;
  paper: number | null;
  delta: number | null;
  /** 'ok' | 'not run' (no trial) | 'failed' (every trial failed or was skipped; `why` says) */
  state: 'ok' | 'not run' | 'failed';
  why?: string;
}

export interface GridRow { row: string; run: boolean; cells: Record<string, GridCell> }
export interface GridColumn { column: string; metric: string; tau: TauWithCi | null; average?: boolean }
export interface Grid { id: string; title: string; scale: number; columns: GridColumn[]; rows: GridRow[]; seeds: number[] }

/** The reference rows of the table: its source table and base model. */
export function tableReference(t: Table, reported: readonly ReportedRow[]): ReportedRow[] {
  return reported.filter((r) => r.sourceTable.startsWith(t.reference.source_table) && r.baseModel === t.reference.base_model);
}

/**
 * The paper's number for a row (by printed technique name, and a note fragment or the printed trainable-parameter count
 * where one table prints the same technique twice, e.g. Adapter^H at 6.0M and 0.8M) and a column (task, metric).
 */
export function paperValue(ref: readonly ReportedRow[], technique: string, note: string | undefined, task: { task: string; metric?: string; note?: string }): number | null {
  const hit = ref.find((r) => r.technique === technique && (!note || (r.notes ?? '').includes(note) || r.trainableParams === note) && r.task === task.task && (!task.metric || r.metric === task.metric) && (!task.note || (r.notes ?? '').includes(task.note)) && r.value != null);
  return hit?.value ?? null;
}

/** The grid of a table from its trials and the reference rows. */
export function buildGrid(t: Table, scale: number, allTrials: readonly GridTrial[], reported: readonly ReportedRow[]): Grid {
  const trials = allTrials.filter((x) => t.seeds.includes(x.seed)); // a --seeds run shows only its seeds
  const ref = tableReference(t, reported);
  const columns: GridColumn[] = t.columns.map((c) => ({ column: c.column, metric: c.metric, tau: null }));
  const cellOf = (rowName: string, c: Table['columns'][number], paper: number | null): GridCell => {
    const mine = trials.filter((x) => x.row === rowName && x.dataset === c.dataset.id);
    const ok = mine.filter((x) => x.status === 'ok' && Number.isFinite(x.metrics[c.metric]));
    if (mine.length === 0) return { seeds: [], mean: null, std: null, paper, delta: null, state: 'not run' };
    if (ok.length === 0) return { seeds: [], mean: null, std: null, paper, delta: null, state: 'failed', why: mine.find((x) => x.error)?.error ?? `no ${c.metric} on the test split` };
    const seeds = ok.sort((a, b) => a.seed - b.seed).map((x) => x.metrics[c.metric]! * c.scale);
    const m = mean(seeds);
    return { seeds, mean: m, std: seeds.length > 1 ? std(seeds) : null, paper, delta: paper === null ? null : m - paper, state: 'ok' };
  };
  const rows: GridRow[] = t.rows.map((r) => ({
    row: r.row,
    run: true,
    cells: Object.fromEntries(t.columns.map((c) => [c.column, cellOf(r.row, c, paperValue(ref, r.reported, r.reported_note, reportedOf(c.reported, c.column)))])),
  }));
  // The paper's other rows (techniques the suite does not run), so the grid has the paper's shape.
  const claimed = new Set(t.rows.map((r) => r.reported));
  for (const name of [...new Set(ref.map((r) => r.technique))].filter((n) => !claimed.has(n))) {
    rows.push({
      row: name,
      run: false,
      cells: Object.fromEntries(t.columns.map((c) => {
        const paper = paperValue(ref, name, undefined, reportedOf(c.reported, c.column));
        return [c.column, { seeds: [], mean: null, std: null, paper, delta: null, state: 'not run' as const }];
      })),
    });
  }
  if (t.average) {
    const avgTask = reportedOf(t.average.reported, t.average.column);
    columns.push({ column: t.average.column, metric: 'mean of the columns', tau: null, average: true });
    for (const r of rows) {
      const spec = t.rows.find((x) => x.row === r.row);
      const paper = paperValue(ref, spec?.reported ?? r.row, spec?.reported_note, avgTask);
      const cells = t.columns.map((c) => r.cells[c.column]!);
      const all = cells.every((c) => c.state === 'ok');
      // Per seed: the mean over columns of that seed's scores (seeds every column has).
      const n = all ? Math.min(...cells.map((c) => c.seeds.length)) : 0;
      const seeds = Array.from({ length: n }, (_, i) => mean(cells.map((c) => c.seeds[i]!)));
      r.cells[t.average.column] = all
        ? { seeds, mean: mean(seeds), std: seeds.length > 1 ? std(seeds) : null, paper, delta: paper === null ? null : mean(seeds) - paper, state: 'ok' }
        : { seeds: [], mean: null, std: null, paper, delta: null, state: 'not run', why: r.run ? 'not every column ran' : undefined };
    }
  }
  for (const col of columns) {
    const both = rows.filter((r) => r.cells[col.column]?.state === 'ok' && r.cells[col.column]!.paper !== null);
    col.tau = tauOverSeeds(both.map((r) => r.cells[col.column]!.seeds), both.map((r) => r.cells[col.column]!.paper!));
  }
  return { id: t.id, title: t.title, scale, columns, rows, seeds: t.seeds };
}
