// The literature's numbers (table `reported`) pivoted into one table per benchmark and base model, with sources and ranks.
import type { ReportedRow } from './load.js';
import { higherIsBetter } from './metrics.js';
import { mean } from './stats.js';
import { ftbenchId } from './technique-names.js';

export interface Source { ref: number; paper: string; year: number | null; table: string; arxiv: string | null }

export interface ReportedValue { value: number | null; notes: string | null; ref: number }

export interface ReportedTechniqueRow {
  technique: string;              // as the paper prints it
  id: string | null;              // the ftbench id it maps to
  ref: number;                    // its source
  trainableParams: string | null;
  values: Record<string, ReportedValue[] | undefined>;   // by task; duplicates kept, as printed
  paperRank: number | null;
  ourRank: number | null;
}

export interface ReportedTable {
  benchmark: string;
  baseModel: string;
  tasks: { task: string; metric: string }[];
  rows: ReportedTechniqueRow[];
  sources: Source[];
  /** Rank columns shown: at least two rows map to techniques this database has scores for. */
  ranked: boolean;
}

/**
 * `ourScores`: one number per ftbench technique id, higher is better (see build.ts), used to rank
 * our techniques next to the paper's ranking of the same ones.
 */
export function reportedTables(rows: readonly ReportedRow[], ourScores: ReadonlyMap<string, number>): ReportedTable[] {
  const keys = [...new Set(rows.map((r) => `${r.benchmark}\u0000${r.baseModel}`))];
  return keys.map((key) => {
    const [benchmark, baseModel] = key.split('\u0000') as [string, string];
    return table(benchmark, baseModel, rows.filter((r) => r.benchmark === benchmark && r.baseModel === baseModel), ourScores);
  });
}

function table(benchmark: string, baseModel: string, rows: ReportedRow[], ourScores: ReadonlyMap<string, number>): ReportedTable {
  const sources: Source[] = [];
  const refOf = (r: ReportedRow): number => {
    let s = sources.find((x) => x.paper === r.sourcePaper && x.table === r.sourceTable);
    if (!s) {
      s = { ref: sources.length + 1, paper: r.sourcePaper, year: r.sourceYear, table: r.sourceTable, arxiv: arxivId(r.sourceUrl) };
      sources.push(s);
    }
    return s.ref;
  };
  const tasks: { task: string; metric: string }[] = [];
  for (const r of rows) if (!tasks.some((t) => t.task === r.task)) tasks.push({ task: r.task, metric: r.metric });

  const out: ReportedTechniqueRow[] = [];
  for (const r of rows) {
    const ref = refOf(r);
    let row = out.find((x) => x.technique === r.technique && x.ref === ref);
    if (!row) {
      row = { technique: r.technique, id: ftbenchId(r.technique), ref, trainableParams: r.trainableParams, values: {}, paperRank: null, ourRank: null };
      out.push(row);
    }
    (row.values[r.task] ??= []).push({ value: r.value, notes: r.notes, ref });
  }
  const ranked = assignRanks(out, tasks, ourScores);
  return { benchmark, baseModel, tasks, rows: out, sources, ranked };
}

function assignRanks(rows: ReportedTechniqueRow[], tasks: { task: string; metric: string }[], ourScores: ReadonlyMap<string, number>): boolean {
  const ours = rows.filter((r) => r.id && ourScores.has(r.id));
  // The paper's own average column if it printed one, else the mean over tasks every candidate reports.
  const has = (r: ReportedTechniqueRow, task: string) => r.values[task]?.some((v) => v.value != null) ?? false;
  const avgTask = tasks.find((t) => /^(avg|average|mean)\b/i.test(t.task));
  const common = avgTask && ours.filter((r) => has(r, avgTask.task)).length >= 2
    ? [avgTask]
    : tasks.filter((t) => ours.every((r) => has(r, t.task)));
  const candidates = ours.filter((r) => common.every((t) => has(r, t.task)));
  if (candidates.length < 2 || !common.length) return false;
  const higher = higherIsBetter(common[0]!.metric.split(/[ (]/)[0] ?? '');
  const paperScore = (r: ReportedTechniqueRow) => mean(common.map((t) => r.values[t.task]!.find((v) => v.value != null)!.value!));
  rankBy(candidates, (r) => (higher ? paperScore(r) : -paperScore(r)), (r, k) => (r.paperRank = k));
  rankBy(candidates, (r) => ourScores.get(r.id!)!, (r, k) => (r.ourRank = k));
  return true;
}

function rankBy<T>(xs: T[], score: (x: T) => number, set: (x: T, rank: number) => void): void {
  const sorted = [...xs].sort((a, b) => score(b) - score(a));
  // Ties share the better rank (1, 2, 2, 4).
  sorted.forEach((x, i) => set(x, i > 0 && score(x) === score(sorted[i - 1]!) ? sorted.indexOf(sorted.find((y) => score(y) === score(x))!) + 1 : i + 1));
}

function arxivId(url: string | null): string | null {
  const m = url?.match(/arxiv\.org\/(?:abs|pdf)\/([0-9]{4}\.[0-9]{4,5})/i);
  return m ? m[1]! : null;
}
