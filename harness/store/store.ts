// The results store: an embedded DuckDB file holding runs, trials and their metrics, curves and predictions.
import { randomUUID } from 'node:crypto';
import { DOUBLE, DuckDBInstance, StatementType, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { checkDbPath } from './check-path.js';
import { StoreError } from './errors.js';
import { insertRows } from './insert.js';
import { loadReportedIfEmpty } from './reported.js';
import { columnsAddedAfter, REBUILT_AFTER, SCHEMA_SQL, SCHEMA_VERSION, trialsTable, type RunStatus } from './schema.js';
import { describeWriteError, osCause } from './write-error.js';
import { backfillMetricRoles } from './metric-roles.js';
import { metricDirections } from '../eval/rows.js';
import { TRIAL_STATUSES, type RunMeta, type TrialRecord } from './types.js';
import { dbl, int, raw, toPlain, ts } from './values.js';

export interface OpenOptions {
  /** Create the file's missing directory (only for the default results/ dir; a user's typo should fail). */
  createDir?: boolean;
  /** Open for reading only (reports); the file must exist and nothing is created or loaded. */
  readOnly?: boolean;
  /**
   * Read-only and sealed, for SQL a user types (ftbench query): no file access beyond the database itself (COPY … TO,
   * ATTACH, read_csv), no INSTALL/LOAD of extensions, and the settings locked so SQL cannot undo this.
   */
  sealed?: boolean;
}

export interface FinishedOptions {
  /**
   * Leave failed trials out, so a sweep re-runs them; recordTrial then replaces the failed row.
   * Default false: a failed trial counts as finished, because most failures (a NaN loss under a
   * fixed seed, a config the technique rejects) are deterministic and would fail again.
   */
  retryFailed?: boolean;
}

export class Store {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly readOnly: boolean,
  ) {}

  static async open(path: string, opts: OpenOptions = {}): Promise<Store> {
    const readOnly = (opts.readOnly ?? false) || (opts.sealed ?? false);
    const { exists } = checkDbPath(path, { createDir: opts.createDir ?? false, readOnly });
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, {
        ...(readOnly ? { access_mode: 'READ_ONLY' } : {}),
        ...(opts.sealed ? { enable_external_access: 'false', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', allow_community_extensions: 'false', lock_configuration: 'true' } : {}),
      });
    } catch (e) {
      throw new StoreError(describeOpenError(path, e), { cause: e });
    }
    const conn = await instance.connect();
    const store = new Store(path, instance, conn, readOnly);
    try {
      if (!readOnly) await store.migrate(exists);
      else await store.expectSchema();
    } catch (e) {
      store.closeNow();
      throw e;
    }
    return store;
  }

  /** Returns the new run's id. */
  async beginRun(meta: RunMeta): Promise<string> {
    const runId = randomUUID();
    await this.exclusive(() =>
      this.conn.run(
        `INSERT INTO runs (run_id, suite, git_commit, backend, kernel_pack, blas, threads, host, cpu, packages, started_at, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'running')`,
        [runId, meta.suite, meta.gitCommit, meta.backend, meta.kernelPack, meta.blas, meta.threads,
          meta.host, meta.cpu, JSON.stringify(meta.packages), ts(meta.startedAt)],
      ),
    );
    return runId;
  }

  /** Ends a run: 'finished' when every planned trial ran, 'stopped' (with the reason) when it ended early. */
  async finishRun(runId: string, end: { status: Exclude<RunStatus, 'running' | 'interrupted'>; reason?: string | null } = { status: 'finished' }): Promise<void> {
    await this.exclusive(() =>
      this.conn.run('UPDATE runs SET finished_at = $1, status = $2, stop_reason = $3 WHERE run_id = $4', [ts(new Date()), end.status, end.reason ?? null, runId]),
    );
  }

  /** Config hashes the sweep should skip (see FinishedOptions for why failed ones count by default). */
  async finishedConfigHashes(opts: FinishedOptions = {}): Promise<Set<string>> {
    // A trial interrupted by Ctrl-C never counts: it is the first thing the resumed run trains.
    const where = opts.retryFailed ? "WHERE status IN ('ok', 'skipped')" : "WHERE status <> 'interrupted'";
    const rows = await this.query(`SELECT config_hash FROM trials ${where}`);
    return new Set(rows.map((r) => r.config_hash as string));
  }

  /**
   * Writes the trial and all its rows in one transaction: after a crash either all of it is there
   * or none. A config hash already stored as 'failed' or 'interrupted' is replaced; one stored as ok/skipped is an
   * error. Measured values are bound as DOUBLE (an integral 1e19 would otherwise be sent as an out-of-range BIGINT).
   * A failed write (a full disk) rolls back and throws a StoreError with the real cause; earlier trials stay stored.
   */
  async recordTrial(runId: string, t: TrialRecord): Promise<void> {
    validateTrial(t);
    await this.exclusive(async () => {
      await this.conn.run('BEGIN TRANSACTION');
      try {
        const prior = (await this.conn.runAndReadAll(
          'SELECT trial_id, status FROM trials WHERE config_hash = $1', [t.configHash],
        )).getRowObjectsJS();
        for (const p of prior) {
          if (p.status !== 'failed' && p.status !== 'interrupted') {
            throw new StoreError(`Trial ${t.technique} on ${t.model}/${t.dataset} seed ${t.seed} (config ${t.configHash}) is already stored as ${String(p.status)}.`);
          }
          await this.deleteTrialRows(p.trial_id as string);
        }
        await insertRows(this.conn, 'trials', TRIAL_COLUMNS, [trialRow(runId, t)], TRIAL_TYPES);
        await insertRows(this.conn, 'metrics', ['trial_id', 'split', 'step', 'name', 'value', 'role', 'higher_is_better', 'context'],
          t.metrics.map((m) => [t.trialId, m.split, m.step, m.name, raw(m.value), m.role, m.higherIsBetter, m.context ?? null]), [, , , , DOUBLE]);
        await insertRows(this.conn, 'curves', ['trial_id', 'step', 'loss', 'lr'],
          t.curves.map((c) => [t.trialId, c.step, raw(c.loss), raw(c.lr)]), [, , DOUBLE, DOUBLE]);
        await insertRows(this.conn, 'predictions', ['trial_id', 'split', 'item', 'predicted', 'target'],
          (t.predictions ?? []).map((p) => [t.trialId, p.split, p.item, raw(p.predicted), raw(p.target)]), [, , , DOUBLE, DOUBLE]);
        await this.conn.run('COMMIT');
      } catch (e) {
        // The ROLLBACK of a transaction whose write failed can fail too (DuckDB has already aborted it); its error
        // would hide the cause, so the first error is the one reported.
        await this.conn.run('ROLLBACK').catch(() => undefined);
        if (e instanceof StoreError) throw e;
        throw new StoreError(describeWriteError(this.path, `trial ${t.technique} on ${t.model}/${t.dataset} seed ${t.seed}`, e), { cause: e });
      }
    });
  }

  /** Gives metric rows stored without a role (schema < 3) their role, plain name and direction. */
  async backfillMetricRoles(): Promise<void> {
    await this.exclusive(() => backfillMetricRoles(this.conn, metricDirections()));
  }

  /** Runs SQL and returns rows as plain JS values (bigint only where a number would lose precision). */
  async query(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    return this.exclusive(async () => {
      const reader = await this.conn.runAndReadAll(sql, params as DuckDBValue[]);
      return reader.getRowObjectsJS().map((r) => toPlain(r) as Record<string, unknown>);
    });
  }

  /**
   * The first statement of `sql` that does not only read (anything but SELECT and EXPLAIN: COPY, ATTACH, LOAD, SET,
   * ...), as its keyword, or null when every statement only reads. A statement that cannot even be prepared counts.
   */
  async firstNonReading(sql: string): Promise<string | null> {
    return this.exclusive(async () => {
      const extracted = await this.conn.extractStatements(sql);
      for (let i = 0; i < extracted.count; i++) {
        const keyword = /^\s*(\w+)/.exec(sql.split(';').filter((x) => x.trim())[i] ?? '')?.[1]?.toUpperCase() ?? 'statement';
        let type: StatementType;
        try {
          type = (await extracted.prepare(i)).statementType;
        } catch {
          return keyword;
        }
        if (type !== StatementType.SELECT && type !== StatementType.EXPLAIN) return keyword;
      }
      return null;
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.closeNow();
  }

  private closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.closeSync();
    this.instance.closeSync();
  }

  // One connection serves every caller; a transaction must not interleave with another caller's statements.
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError(`Results database ${this.path} is closed.`));
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async deleteTrialRows(trialId: string): Promise<void> {
    for (const table of ['metrics', 'curves', 'predictions', 'trials']) {
      await this.conn.run(`DELETE FROM ${table} WHERE trial_id = $1`, [trialId]);
    }
  }

  private async migrate(existed: boolean): Promise<void> {
    const from = existed ? await this.expectSchema({ allowEmpty: true }) : null;
    await this.conn.run(SCHEMA_SQL);
    for (const c of columnsAddedAfter(from ?? SCHEMA_VERSION)) {
      await this.conn.run(`ALTER TABLE ${c.table} ADD COLUMN IF NOT EXISTS ${c.column} ${c.type}`);
    }
    if (from !== null && from < 3) await backfillMetricRoles(this.conn, metricDirections());
    if (from !== null) await this.rebuildTablesAfter(from);
    // The store is opened for writing by one process at a time (DuckDB's file lock), so a run still 'running' now
    // belongs to a process that was killed or crashed: it was interrupted, and the report says so.
    await this.conn.run(
      `UPDATE runs SET status = CASE WHEN finished_at IS NULL THEN 'interrupted' ELSE 'finished' END
       WHERE status IS NULL OR status = 'running'`,
    );
    await this.conn.run(
      `INSERT INTO store_meta VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [String(SCHEMA_VERSION)],
    );
    await loadReportedIfEmpty(this.conn);
  }

  /** Rebuilds, in one transaction, the tables whose types or constraints changed after version `from`. */
  private async rebuildTablesAfter(from: number): Promise<void> {
    for (let v = from + 1; v <= SCHEMA_VERSION; v++) {
      for (const table of REBUILT_AFTER[v] ?? []) {
        await this.conn.run('BEGIN TRANSACTION');
        try {
          await this.conn.run(trialsTable(`${table}_v${v}`));
          await this.conn.run(`INSERT INTO ${table}_v${v} SELECT * FROM ${table}`);
          await this.conn.run(`DROP TABLE ${table}`);
          await this.conn.run(`ALTER TABLE ${table}_v${v} RENAME TO ${table}`);
          await this.conn.run('COMMIT');
        } catch (e) {
          await this.conn.run('ROLLBACK').catch(() => undefined);
          throw new StoreError(describeWriteError(this.path, `the upgrade of table ${table} to store schema ${v}`, e), { cause: e });
        }
      }
    }
  }

  // A DuckDB file from some other tool, or from a newer ftbench, must not be written into.
  /** Returns the store's schema version (null for an empty database). */
  private async expectSchema(opts: { allowEmpty?: boolean } = {}): Promise<number | null> {
    const tables = (await this.conn.runAndReadAll(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'`,
    )).getRowObjectsJS().map((r) => r.table_name as string);
    if (tables.length === 0 && opts.allowEmpty) return null;
    if (!tables.includes('store_meta')) {
      throw new StoreError(`${this.path} is a DuckDB database but not an ftbench results store; it was left untouched.`);
    }
    const v = (await this.conn.runAndReadAll(`SELECT value FROM store_meta WHERE key = 'schema_version'`))
      .getRowObjectsJS()[0]?.value;
    if (Number(v) > SCHEMA_VERSION) {
      throw new StoreError(`${this.path} was written by a newer ftbench (store schema ${String(v)}, this one reads ${SCHEMA_VERSION}).`);
    }
    return Number(v);
  }
}

const TRIAL_COLUMNS = [
  'trial_id', 'run_id', 'config_hash', 'model', 'dataset', 'technique', 'category', 'seed', 'config',
  'status', 'error', 'started_at', 'finished_at', 'trainable_params', 'total_params', 'extra_params',
  'base_bytes', 'optimizer_state_bytes', 'adapter_bytes', 'peak_bytes', 'peak_rss_bytes',
  'tokens_per_s', 'ms_per_step', 'steps', 'head_params',
] as const;
const TRIAL_TYPES = TRIAL_COLUMNS.map((c) => (c === 'tokens_per_s' || c === 'ms_per_step' ? DOUBLE : undefined));

function trialRow(runId: string, t: TrialRecord): DuckDBValue[] {
  return [
    t.trialId, runId, t.configHash, t.model, t.dataset, t.technique, t.category, t.seed,
    JSON.stringify(t.config), t.status, t.error, ts(t.startedAt), ts(t.finishedAt),
    int(t.trainableParams), int(t.totalParams), int(t.extraParams), int(t.baseBytes),
    int(t.optimizerStateBytes), int(t.adapterBytes), int(t.peakBytes), int(t.peakRssBytes),
    dbl(t.tokensPerS), dbl(t.msPerStep), int(t.steps), int(t.headParams),
  ];
}

function validateTrial(t: TrialRecord): void {
  const bad = (field: string, why: string): never => {
    throw new StoreError(`Trial ${t.trialId || '(no id)'} has ${why} in field ${field}.`);
  };
  for (const f of ['trialId', 'configHash', 'model', 'dataset', 'technique', 'category'] as const) {
    if (typeof t[f] !== 'string' || t[f].length === 0) bad(f, 'an empty or non-string value');
  }
  if (!TRIAL_STATUSES.includes(t.status)) bad('status', `the unknown status ${JSON.stringify(t.status)}`);
  if (!Number.isSafeInteger(t.seed)) bad('seed', 'a value that is not an integer below 2^53');
  for (const f of ['startedAt', 'finishedAt'] as const) {
    if (!(t[f] instanceof Date) || Number.isNaN(t[f].getTime())) bad(f, 'an invalid Date');
  }
}

function describeOpenError(path: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/lock/i.test(msg)) return `Results database ${path} is in use by another process; wait for it to finish or pass another --db.`;
  if (/not a valid DuckDB database/i.test(msg)) return `${path} is not a DuckDB database; it was left untouched (choose another --db path).`;
  if (/version/i.test(msg)) return `Results database ${path} was written by an incompatible DuckDB version (${msg.split('\n')[0]}).`;
  const known = osCause(msg);
  if (known) return `Cannot open results database ${path}: ${known.cause}; ${known.fix}.`;
  return `Cannot open results database ${path}: ${msg.split('\n')[0]}`;
}
