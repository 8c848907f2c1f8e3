// Loads the literature's reported numbers (data/reference/reported_results.csv) into the `reported` table.
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ROOT } from '../../core/paths.js';

export const REPORTED_CSV = path.join(ROOT, 'data', 'reference', 'reported_results.csv');

/** Fills `reported` when it is empty; returns the number of rows loaded (0 when already filled or no CSV). */
export async function loadReportedIfEmpty(conn: DuckDBConnection, csv = REPORTED_CSV): Promise<number> {
  const count = await conn.runAndReadAll('SELECT count(*)::INTEGER AS n FROM reported');
  if ((count.getRowObjectsJS()[0]!.n as number) > 0) return 0;
  if (!fs.existsSync(csv)) return 0;
  // Explicit column types: auto-detection could turn a future "0.1M"-free column into DOUBLE and break the union.
  const literal = csv.replaceAll("'", "''");
  await conn.run(`INSERT INTO reported SELECT * FROM read_csv('${literal}', header = true, columns = {
    'technique': 'VARCHAR', 'category': 'VARCHAR', 'base_model': 'VARCHAR', 'benchmark': 'VARCHAR',
    'task': 'VARCHAR', 'metric': 'VARCHAR', 'value': 'DOUBLE', 'trainable_params': 'VARCHAR',
    'source_paper': 'VARCHAR', 'source_year': 'INTEGER', 'source_table': 'VARCHAR', 'source_url': 'VARCHAR',
    'notes': 'VARCHAR'})`);
  const after = await conn.runAndReadAll('SELECT count(*)::INTEGER AS n FROM reported');
  return after.getRowObjectsJS()[0]!.n as number;
}
