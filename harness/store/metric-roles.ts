// Metric rows from before schema 3 kept their role inside the name (`primary:f1`, `baseline:f1`, `ppl@256`) and no
// direction: these expressions read role, context and plain name out of such rows, for migration and read-only reads.
import type { DuckDBConnection } from '@duckdb/node-api';

const ROLE = `CASE WHEN name LIKE 'primary:%' THEN 'primary' WHEN name LIKE 'baseline:%' THEN 'baseline'
  WHEN split = 'technique' THEN 'technique' WHEN split = 'heldout' THEN 'heldout' ELSE 'score' END`;
const CONTEXT = `CASE WHEN name LIKE 'ppl@%' THEN TRY_CAST(substr(name, 5) AS INTEGER) END`;
const NAME = `CASE WHEN name LIKE 'primary:%' THEN substr(name, 9) WHEN name LIKE 'baseline:%' THEN substr(name, 10)
  WHEN name LIKE 'ppl@%' THEN 'perplexity' ELSE name END`;

/** The metrics of a store as schema 3 shapes them, whatever schema the store has (for a read-only open); `rid` is the
 * row id, which keeps insertion order. */
export function metricsAsV3(hasRoles: boolean): string {
  return hasRoles
    ? '(SELECT rowid AS rid, * FROM metrics)'
    : `(SELECT rowid AS rid, trial_id, split, step, ${NAME} AS name, value, ${ROLE} AS role, NULL::BOOLEAN AS higher_is_better, ${CONTEXT} AS context FROM metrics)`;
}

/** Gives rows without a role (schema < 3) their role, context and plain name, and the direction of known metrics. */
export async function backfillMetricRoles(conn: DuckDBConnection, directions: Record<string, boolean>): Promise<void> {
  await conn.run(`UPDATE metrics SET role = ${ROLE}, context = ${CONTEXT}, name = ${NAME} WHERE role IS NULL`);
  const known = Object.entries(directions);
  const values = known.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ');
  await conn.run(
    `UPDATE metrics SET higher_is_better = d.hib FROM (VALUES ${values}) AS d(metric, hib)
     WHERE metrics.higher_is_better IS NULL AND metrics.role <> 'technique' AND metrics.name = d.metric`,
    known.flat(),
  );
}
