// `ftbench reproduce TABLE --model PATH --data PATH [--scale f]`: a paper's table run on the user's checkpoint and data,
// then its paper-layout grid written beside the results.
import path from 'node:path';
import { DEFAULT_DB, DEFAULT_REPORT_DIR } from '../core/paths.js';
import { initBackend, type BackendChoice } from '../harness/backend/index.js';
import { loadFileDataset } from '../datasets/files/index.js';
import { planSweep, runSweep, type SweepEvents } from '../harness/sweep/run.js';
import { loadTable, tableSuites, withPaths, type SplitSizes } from '../harness/sweep/table.js';
import { buildTableReport } from '../reports/table-report.js';
import { techniques } from '../techniques/index.js';
import { plainEvents } from './plain.js';

export interface ReproduceOptions {
  model?: string;
  data?: string;
  scale?: string | number;
  db?: string;
  out?: string;
  backend?: BackendChoice;
  /** Run only these of the table's seeds (a smoke run); the grid says which ran. */
  seeds?: string | number[];
  /** Only rebuild the grid page from what the database holds. */
  reportOnly?: boolean;
  events?: SweepEvents;
  log?: (line: string) => void;
}

export function parseScale(s: string | number | undefined): number {
  if (s === undefined) return 1;
  const f = typeof s === 'number' ? s : Number(s);
  if (!(f > 0 && f <= 1)) throw new Error(`--scale "${s}" must be a number in (0, 1], e.g. 0.01 for a smoke run; 1 is the paper's budget.`);
  return f;
}

export function parseSeeds(s: string | number[] | undefined, all: number[]): number[] {
  if (s === undefined) return all;
  const list = Array.isArray(s) ? s : s.split(',').map((x) => Number(x.trim()));
  const bad = list.find((x) => !all.includes(x));
  if (list.length === 0 || bad !== undefined) throw new Error(`--seeds "${String(s)}" must list seeds of the table (${all.join(', ')}), e.g. --seeds ${all[0]}.`);
  return list;
}

/** The table's suites on the user's model and data, at the scale, and the backend they run on (nothing stored). */
async function tableRun(tableId: string, o: ReproduceOptions) {
  const log = o.log ?? ((l: string) => console.log(l));
  const scale = parseScale(o.scale);
  const loaded = loadTable(tableId);
  const seeds = parseSeeds(o.seeds, loaded.seeds);
  const spec = { ...loaded, seeds };
  const table = withPaths(spec, { model: o.model, data: o.data });
  // Data first: a malformed file stops here with its one sentence, before a checkpoint is converted or anything stored.
  const sizes: Record<string, SplitSizes> = {};
  for (const c of table.columns) {
    if (sizes[c.dataset.id]) continue;
    const d = await loadFileDataset(c.dataset);
    sizes[c.dataset.id] = { train: d.splits.train.length, eval: d.splits.test.length };
  }
  const suites = tableSuites(table, sizes, scale);
  const backend = await initBackend(o.backend ?? 'auto');
  log(`${table.title}${scale < 1 ? ` at scale ${scale}` : ''}: ${suites.length} suite(s) over ${table.columns.length} column(s) × ${table.rows.length} row(s) × ${table.seeds.length} seed(s); backend ${backend.name} (${backend.kernelPack}${backend.blas ? `, ${backend.blas}` : ""}), ${backend.threads} threads`);
  const describe = (suite: (typeof suites)[number]) =>
    log(`${suite.description}: ${suite.budget.steps} steps of batch ${suite.budget.batch_size}${suite.budget.train_examples ? ` on ${suite.budget.train_examples} examples` : ''}`);
  return { log, suites, backend, describe };
}

/**
 * Only the plan (`ftbench reproduce --plan`): each suite's trials and, for those that cannot fit in memory, the
 * sentence a run would store; nothing is loaded, trained or stored. Returns how many trials would be refused.
 */
export async function planTable(tableId: string, o: ReproduceOptions): Promise<number> {
  const { log, suites, backend, describe } = await tableRun(tableId, o);
  let refused = 0;
  for (const suite of suites) {
    describe(suite);
    const p = await planSweep(suite, { techniques, backend });
    refused += p.refused.size;
    log(`  ${p.trials.length} trial(s), ${p.refused.size} cannot fit${[...p.refused.values()].map((why) => `\n  refused: ${why}`).join('')}`);
  }
  return refused;
}

/** Runs the table (skipping trials already stored) and writes the grid; returns the page's path. */
export async function reproduce(tableId: string, o: ReproduceOptions): Promise<string> {
  const db = path.resolve(o.db ?? DEFAULT_DB);
  const loaded = loadTable(tableId);
  const spec = { ...loaded, seeds: parseSeeds(o.seeds, loaded.seeds) };
  const scale = parseScale(o.scale);
  const log = o.log ?? ((l: string) => console.log(l));
  const out = path.resolve(o.out ?? path.join(DEFAULT_REPORT_DIR, 'tables', spec.id));
  if (!o.reportOnly) {
    const { suites, backend, describe } = await tableRun(tableId, o);
    for (const suite of suites) {
      describe(suite);
      const s = await runSweep(suite, { db, createDir: db === DEFAULT_DB, backend, techniques, events: o.events ?? plainEvents(log) });
      if (s.stopped) throw new Error(`The run of ${suite.description} stopped early${s.stopReason ? ` (${s.stopReason})` : ''}; run the same command again to resume.`);
    }
  }
  const { file, grid } = await buildTableReport({ db, out, table: spec, scale });
  const ran = grid.rows.filter((r) => r.run).length;
  log(`grid: ${ran} rows run, ${grid.rows.length - ran} paper-only; τ per column: ${grid.columns.map((c) => `${c.column} ${c.tau ? c.tau.tau.toFixed(2) : '—'}`).join(', ')}`);
  return file;
}
