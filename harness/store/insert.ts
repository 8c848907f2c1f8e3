// Multi-row parameterised INSERTs, so a trial's hundreds of curve points cost a few statements, not hundreds.
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';

// DuckDB binds parameters per statement; a few hundred rows per statement keeps the SQL text small.
const ROWS_PER_STATEMENT = 256;

export async function insertRows(
  conn: DuckDBConnection,
  table: string,
  columns: readonly string[],
  rows: readonly DuckDBValue[][],
  /** Per column, the type to bind as (a JS number is otherwise bound as an integer type when it is integral). */
  types?: readonly (DuckDBType | undefined)[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const values: DuckDBValue[] = [];
    const bound: (DuckDBType | undefined)[] = [];
    const tuples = chunk.map((row) => {
      if (row.length !== columns.length) throw new Error(`${table}: row has ${row.length} values for ${columns.length} columns`);
      const marks = row.map((v, j) => {
        values.push(v);
        bound.push(v === null ? undefined : types?.[j]);
        return `$${values.length}`;
      });
      return `(${marks.join(', ')})`;
    });
    await conn.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values, types ? (bound as DuckDBType[]) : undefined);
  }
}
