// buildTableReport: reads a table run's trials from the results store and writes its paper-layout grid page.
import path from 'node:path';
import { Store } from '../harness/store/index.js';
import { checkOutputFolder, writeOutputFile } from '../core/output-path.js';
import { tableRunName, type Table } from '../harness/sweep/table.js';
import { buildGrid, type Grid, type GridTrial } from './grid.js';
import { renderGridPage } from './grid-html.js';
import type { ReportedRow } from './load.js';

export interface TableReportOptions { db: string; out: string; table: Table; scale: number; now?: Date }

/** Writes <out>/index.html; returns its path and the grid. */
export async function buildTableReport(o: TableReportOptions): Promise<{ file: string; grid: Grid }> {
  const fix = 'choose another --out folder';
  checkOutputFolder(o.out, 'the table page', fix); // before the work, not after it; made only when written
  const store = await Store.open(o.db, { readOnly: true });
  let trials: GridTrial[];
  let runs: { runId: string; backend: string; startedAt: Date }[];
  let reported: ReportedRow[];
  try {
    const name = tableRunName(o.table.id, o.scale);
    const runRows = await store.query('SELECT run_id, backend, started_at FROM runs WHERE suite = $1 ORDER BY started_at', [name]);
    if (runRows.length === 0) throw new Error(`The results database ${o.db} has no run of table "${o.table.id}" at scale ${o.scale}; run ftbench reproduce ${o.table.id} first.`);
    runs = runRows.map((r) => ({ runId: r.run_id as string, backend: r.backend as string, startedAt: r.started_at as Date }));
    // Every trial of the table's runs, with its test metrics at its last step (a rerun skips stored trials, so each config appears once).
    const rows = await store.query(
      `SELECT t.trial_id, t.dataset, t.seed, t.status, t.error, json_extract_string(t.config, '$.label') AS label, m.name, m.value, m.step
       FROM trials t JOIN runs r USING (run_id) LEFT JOIN metrics m ON m.trial_id = t.trial_id AND m.split = 'test'
       WHERE r.suite = $1 ORDER BY t.trial_id, m.step`,
      [name],
    );
    const by = new Map<string, GridTrial>();
    for (const r of rows) {
      const id = r.trial_id as string;
      if (!by.has(id)) by.set(id, { dataset: r.dataset as string, row: (r.label as string) ?? '', seed: r.seed as number, status: r.status as string, error: r.error as string | null, metrics: {} });
      if (r.name != null) by.get(id)!.metrics[r.name as string] = r.value as number; // ordered by step: the last wins
    }
    trials = [...by.values()];
    reported = (await store.query('SELECT * FROM reported ORDER BY rowid')).map((r): ReportedRow => ({
      technique: r.technique as string, category: r.category as string, baseModel: r.base_model as string,
      benchmark: r.benchmark as string, task: r.task as string, metric: r.metric as string, value: r.value as number | null,
      trainableParams: r.trainable_params as string | null, sourcePaper: r.source_paper as string, sourceYear: r.source_year as number | null,
      sourceTable: r.source_table as string, sourceUrl: r.source_url as string | null, notes: r.notes as string | null,
    }));
  } finally {
    await store.close();
  }
  const grid = buildGrid(o.table, o.scale, trials, reported);
  const file = path.join(o.out, 'index.html');
  writeOutputFile(file, renderGridPage(o.table, grid, { generatedAt: o.now ?? new Date(), runs }), 'the table page', fix);
  return { file, grid };
}
