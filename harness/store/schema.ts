// The DuckDB schema of the results store; bump SCHEMA_VERSION and add a migration when a table changes.

export const SCHEMA_VERSION = 4;

/**
 * The columns each schema version added (appended, so `SELECT *` orders agree): a store or an export of version v
 * lacks those of every later version. Opening a store adds them; importing an older export fills them with NULL.
 */
export const ADDED_COLUMNS: Record<number, { table: string; column: string; type: string }[]> = {
  // The task head's trainable entries, so shares can be quoted against the backbone as papers do.
  2: [{ table: 'trials', column: 'head_params', type: 'BIGINT' }],
  // A metric row's role and direction (harness/store/metric-roles.ts), and the context length a perplexity was taken at.
  3: [
    { table: 'metrics', column: 'role', type: 'VARCHAR' },
    { table: 'metrics', column: 'higher_is_better', type: 'BOOLEAN' },
    { table: 'metrics', column: 'context', type: 'INTEGER' },
  ],
  // How a run ended ('running' while in flight; 'finished', 'stopped' (Ctrl-C, a dead backend) or 'interrupted' (the
  // process died: found still 'running' by the next writer), and why when it stopped early.
  4: [
    { table: 'runs', column: 'status', type: 'VARCHAR' },
    { table: 'runs', column: 'stop_reason', type: 'VARCHAR' },
  ],
};

/**
 * Tables whose column types or constraints a version changed, so a store older than it rebuilds them (DuckDB cannot
 * alter a CHECK or a column's type under a UNIQUE index). Version 4: trials.seed BIGINT (seeds beyond INT32 passed the
 * suite schema and failed after training) and the 'interrupted' status (a trial in flight at Ctrl-C).
 */
export const REBUILT_AFTER: Record<number, 'trials'[]> = { 4: ['trials'] };

export const RUN_STATUSES = ['running', 'finished', 'stopped', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export function columnsAddedAfter(version: number): { table: string; column: string; type: string }[] {
  const out = [];
  for (let v = version + 1; v <= SCHEMA_VERSION; v++) out.push(...(ADDED_COLUMNS[v] ?? []));
  return out;
}

/**
 * The trials table's DDL under a name, so a migration can build the new shape beside the old one.
 * Integer meters are BIGINT (bytes overflow INTEGER); a meter that was not measured is NULL, not 0.
 * config_hash is UNIQUE: every stored trial is finished, so a config appears at most once and a
 * killed-then-rerun sweep cannot leave duplicates. No foreign keys: DuckDB's FK checks make
 * replacing a failed trial (delete + insert in one transaction) awkward, and the store is the only writer.
 */
export function trialsTable(name: string): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (
  trial_id VARCHAR PRIMARY KEY,
  run_id VARCHAR NOT NULL,
  config_hash VARCHAR NOT NULL UNIQUE,
  model VARCHAR NOT NULL,
  dataset VARCHAR NOT NULL,
  technique VARCHAR NOT NULL,
  category VARCHAR NOT NULL,
  seed BIGINT NOT NULL,
  config JSON NOT NULL,
  status VARCHAR NOT NULL CHECK (status IN ('ok', 'failed', 'skipped', 'interrupted')),
  error VARCHAR,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP NOT NULL,
  trainable_params BIGINT,
  total_params BIGINT,
  extra_params BIGINT,
  base_bytes BIGINT,
  optimizer_state_bytes BIGINT,
  adapter_bytes BIGINT,
  peak_bytes BIGINT,
  peak_rss_bytes BIGINT,
  tokens_per_s DOUBLE,
  ms_per_step DOUBLE,
  steps INTEGER,
  head_params BIGINT
);`;
}

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR PRIMARY KEY,
  suite VARCHAR NOT NULL,
  git_commit VARCHAR,
  backend VARCHAR NOT NULL,
  kernel_pack VARCHAR NOT NULL,
  blas VARCHAR,
  threads INTEGER NOT NULL,
  host VARCHAR NOT NULL,
  cpu VARCHAR NOT NULL,
  packages JSON NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  status VARCHAR,
  stop_reason VARCHAR
);
${trialsTable('trials')}
CREATE TABLE IF NOT EXISTS metrics (
  trial_id VARCHAR NOT NULL, split VARCHAR NOT NULL, step INTEGER NOT NULL, name VARCHAR NOT NULL, value DOUBLE,
  role VARCHAR, higher_is_better BOOLEAN, context INTEGER
);
CREATE TABLE IF NOT EXISTS curves (
  trial_id VARCHAR NOT NULL, step INTEGER NOT NULL, loss DOUBLE, lr DOUBLE
);
CREATE TABLE IF NOT EXISTS predictions (
  trial_id VARCHAR NOT NULL, split VARCHAR NOT NULL, item INTEGER NOT NULL, predicted DOUBLE, target DOUBLE
);
CREATE TABLE IF NOT EXISTS reported (
  technique VARCHAR, category VARCHAR, base_model VARCHAR, benchmark VARCHAR, task VARCHAR,
  metric VARCHAR, value DOUBLE, trainable_params VARCHAR, source_paper VARCHAR, source_year INTEGER,
  source_table VARCHAR, source_url VARCHAR, notes VARCHAR
);
`;
