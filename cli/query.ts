// `ftbench query "<SQL>"`: runs SQL against the results database (read-only) and prints a table, CSV or JSON.
import { Store } from '../harness/store/index.js';

export const QUERY_FORMATS = ['table', 'csv', 'json'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

type Row = Record<string, unknown>;

function text(v: unknown): string {
  if (v == null) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

function csvCell(v: unknown): string {
  const s = text(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as text in the chosen format; `columns` names the columns even when there are no rows. */
export function formatRows(rows: Row[], columns: string[], format: QueryFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(rows, (_, x) => (typeof x === 'bigint' ? x.toString() : x), 2);
    case 'csv':
      return [columns.map(csvCell).join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n');
    case 'table': {
      const cells = rows.map((r) => columns.map((c) => (r[c] == null ? 'NULL' : text(r[c]))));
      const width = columns.map((c, j) => Math.max(c.length, ...cells.map((row) => row[j].length)));
      const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => r[c] == null || typeof r[c] === 'number' || typeof r[c] === 'bigint'));
      const line = (vals: string[]) => vals.map((v, j) => (numeric[j] ? v.padStart(width[j]) : v.padEnd(width[j]))).join('  ').trimEnd();
      return [line(columns), width.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n');
    }
  }
}

/** Column names of a query, also when it returns no rows (DuckDB's DESCRIBE of the query). */
async function columnsOf(store: Store, sql: string, rows: Row[]): Promise<string[]> {
  if (rows.length > 0) return Object.keys(rows[0]);
  try {
    return (await store.query(`DESCRIBE ${sql.replace(/;\s*$/, '')}`)).map((r) => r.column_name as string);
  } catch {
    return [];
  }
}

export async function runQuery(db: string, sql: string, format: QueryFormat): Promise<string> {
  if (sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|;/g, '').trim() === '') {
    throw new Error('ftbench query needs SQL to run, e.g. ftbench query "SELECT technique, count(*) FROM trials GROUP BY ALL".');
  }
  // Sealed: no statement can write or replace a file (COPY … TO the database itself), attach, install or load.
  const store = await Store.open(db, { sealed: true });
  try {
    let rows: Row[];
    const writer = await store.firstNonReading(sql).catch(() => null); // a syntax error is reported by the query itself
    if (writer) {
      throw new Error(`The query failed because ftbench query only reads the results database (it refuses ${writer} and anything else that writes, attaches, installs or loads); to write files use ftbench export.`);
    }
    try {
      rows = await store.query(sql);
    } catch (e) {
      const first = (e as Error).message.split('\n')[0];
      if (/Permission Error|disabled by configuration|read-only|lock_configuration|locked/i.test(first)) {
        throw new Error(`The query failed because ftbench query only reads the results database (${first.replace(/\.$/, '')}); to write files use ftbench export.`);
      }
      throw new Error(`The query failed: ${first}`);
    }
    return formatRows(rows, await columnsOf(store, sql, rows), format);
  } finally {
    await store.close();
  }
}
