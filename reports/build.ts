// buildReport: reads the results store and writes the report (HTML page, or Markdown/CSV tables).
import path from 'node:path';
import { Store } from '../harness/store/index.js';
import { checkOutputFolder, writeOutputFile } from '../core/output-path.js';
import { buildCharts } from './charts.js';
import { renderCsv } from './csv.js';
import { renderPage } from './html.js';
import { loadReportData } from './load.js';
import { renderMarkdown } from './markdown.js';
import { renderSvg } from './render.js';
import { reportedTables } from './reported.js';
import { compareAll } from './significance.js';
import { collate, type ModelTable } from './tables.js';

export type ReportFormat = 'html' | 'md' | 'csv';

export interface ReportOptions {
  db: string;
  out: string;
  /** Only this run's trials; default: every trial in the database (a resumed sweep spans several runs). */
  runId?: string;
  format?: ReportFormat;
  /** Fixes the "generated at" stamp (tests, reproducible builds). */
  now?: Date;
}

const FILE: Record<ReportFormat, string> = { html: 'index.html', md: 'report.md', csv: 'report.csv' };

/** Returns the path of the file written. */
export async function buildReport(opts: ReportOptions): Promise<string> {
  const format = opts.format ?? 'html';
  if (!(format in FILE)) throw new Error(`Unknown report format "${String(format)}"; use html, md or csv.`);
  const fix = 'choose another --out folder';
  checkOutputFolder(opts.out, 'the report', fix); // before the work, not after it; made only when written
  const store = await Store.open(opts.db, { readOnly: true });
  let data;
  try {
    data = await loadReportData(store, opts.runId);
  } finally {
    await store.close();
  }
  const tables = collate(data.trials);

  let text: string;
  if (format === 'md') text = renderMarkdown(data.runs, tables);
  else if (format === 'csv') text = renderCsv(tables);
  else {
    const charts = [];
    for (const chart of buildCharts(tables, data.trials, data.curves, data.extras)) charts.push({ chart, svg: await renderSvg(chart.spec) });
    text = renderPage({
      generatedAt: opts.now ?? new Date(),
      runs: data.runs,
      tables,
      charts,
      comparisons: compareAll(data.trials, data.predictions),
      problems: data.trials.filter((t) => t.status !== 'ok'),
      reported: reportedTables(data.reported, ourScores(tables)),
    });
  }
  const file = path.join(opts.out, FILE[format]);
  writeOutputFile(file, text, 'the report', fix);
  return file;
}

/**
 * One score per technique for ranking next to the papers: the mean over every model × dataset cell
 * it has, with lower-is-better metrics negated. Crude across datasets, so ranks are only a hint.
 */
function ourScores(tables: ModelTable[]): Map<string, number> {
  const sums = new Map<string, { s: number; n: number }>();
  for (const t of tables) {
    for (const r of t.groups.flatMap((g) => g.rows)) {
      for (const c of t.columns) {
        const cell = r.cells[c.dataset];
        if (!cell || !Number.isFinite(cell.mean)) continue;
        const a = sums.get(r.technique) ?? { s: 0, n: 0 };
        a.s += c.higherIsBetter ? cell.mean : -cell.mean;
        a.n += 1;
        sums.set(r.technique, a);
      }
    }
  }
  return new Map([...sums].map(([k, { s, n }]) => [k, s / n]));
}
