// Export every table of a results store to Parquet, Arrow IPC or CSV, and merge such an export into another store.
import fs from 'node:fs';
import path from 'node:path';
import {
  Bool, Float64, Int32, Int64, Schema, Field, Table, TimestampMicrosecond, Utf8, makeData, makeVector, tableFromIPC, tableToIPC, vectorFromArray,
  type DataType, type Vector,
} from 'apache-arrow';
import type { Store } from './store.js';
import { z } from 'zod';
import { StoreError } from './errors.js';
import { readJsonWith } from '../../core/json-file.js';
import { prepareOutputFolder, writeOutputFile } from '../../core/output-path.js';
import { describeWriteError, osCause } from './write-error.js';
import { columnsAddedAfter, SCHEMA_VERSION } from './schema.js';

export const EXPORT_FORMATS = ['parquet', 'arrow', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Every table, parents first, so an import can insert in this order. */
export const TABLES = ['store_meta', 'runs', 'trials', 'metrics', 'curves', 'predictions', 'reported'] as const;
const MANIFEST = 'ftbench-export.json';
const EXT: Record<ExportFormat, string> = { parquet: 'parquet', arrow: 'arrow', csv: 'csv' };

export interface ExportManifest {
  ftbenchExport: 1;
  schemaVersion: number;
  format: ExportFormat;
  exportedAt: string;
  tables: { name: string; file: string; rows: number }[];
}

export interface ImportReport {
  runs: { added: number; existing: number };
  trials: { added: number; skipped: { trialId: string; configHash: string; what: string }[] };
  rows: { metrics: number; curves: number; predictions: number };
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

interface Column { name: string; type: string }

/** Columns of a store table, or of a temporary table with `temp`. */
async function columnsOf(store: Store, table: string, temp = false): Promise<Column[]> {
  const rows = await store.query(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_schema = 'main' AND (table_catalog = 'temp') = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [temp, table],
  );
  return rows.map((r) => ({ name: r.column_name as string, type: r.data_type as string }));
}

// ---- Arrow IPC: DuckDB types ↔ Arrow types, timestamps kept exact as microseconds.

function arrowType(duck: string): DataType {
  switch (duck) {
    case 'INTEGER': return new Int32();
    case 'BIGINT': return new Int64();
    case 'DOUBLE': return new Float64();
    case 'TIMESTAMP': return new TimestampMicrosecond();
    case 'VARCHAR': case 'JSON': return new Utf8();
    case 'BOOLEAN': return new Bool();
    default: throw new StoreError(`Cannot export a column of DuckDB type ${duck} to Arrow.`);
  }
}

/** A nullable fixed-width column built from raw values (vectorFromArray would round timestamps through milliseconds). */
function fixedVector(type: Int32 | Int64 | Float64 | TimestampMicrosecond, values: unknown[]): Vector {
  const n = values.length;
  const data = type instanceof Int32 ? new Int32Array(n) : type instanceof Float64 ? new Float64Array(n) : new BigInt64Array(n);
  const valid = new Uint8Array(Math.ceil(n / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v == null) return void nullCount++;
    valid[i >> 3] |= 1 << (i & 7);
    if (data instanceof BigInt64Array) data[i] = BigInt(v as number | bigint);
    else data[i] = Number(v);
  });
  return makeVector(makeData({ type, length: n, nullCount, nullBitmap: nullCount ? valid : undefined, data } as never));
}

async function arrowTable(store: Store, table: string): Promise<Table> {
  const cols = await columnsOf(store, table);
  // Timestamps leave DuckDB as exact microseconds; everything else as its plain JS value.
  const select = cols.map((c) => (c.type === 'TIMESTAMP' ? `epoch_us(${c.name}) AS ${c.name}` : c.type === 'JSON' ? `${c.name}::VARCHAR AS ${c.name}` : c.name));
  const rows = await store.query(`SELECT ${select.join(', ')} FROM ${table}`);
  const vectors: Record<string, Vector> = {};
  const fields: Field[] = [];
  for (const c of cols) {
    const type = arrowType(c.type);
    const values = rows.map((r) => r[c.name]);
    vectors[c.name] = type instanceof Utf8 ? vectorFromArray(values as (string | null)[], type)
      : type instanceof Bool ? vectorFromArray(values as (boolean | null)[], type)
      : fixedVector(type as Int32, values);
    fields.push(new Field(c.name, type, true, new Map([['duckdb_type', c.type]])));
  }
  return new Table(new Schema(fields), vectors);
}

/** Rows of an Arrow table as DuckDB parameter values (bigint µs for timestamps, converted in SQL). */
function arrowRows(t: Table, cols: Column[]): unknown[][] {
  const out: unknown[][] = Array.from({ length: t.numRows }, () => []);
  for (const c of cols) {
    const v = t.getChild(c.name);
    if (!v) throw new StoreError(`The Arrow file for this table has no column ${c.name}.`);
    let i = 0;
    for (const chunk of v.data) {
      for (let k = 0; k < chunk.length; k++, i++) {
        const valid = !chunk.nullBitmap || chunk.nullCount === 0 || (chunk.nullBitmap[(chunk.offset + k) >> 3] >> ((chunk.offset + k) & 7)) & 1;
        if (!valid) out[i].push(null);
        else if (c.type === 'TIMESTAMP' || c.type === 'BIGINT') out[i].push((chunk.values as BigInt64Array)[chunk.offset + k]);
        else if (c.type === 'INTEGER' || c.type === 'DOUBLE') out[i].push(Number((chunk.values as ArrayLike<number>)[chunk.offset + k]));
        else out[i].push(v.get(i));
      }
    }
  }
  return out;
}

async function insertArrow(store: Store, into: string, cols: Column[], rows: unknown[][]): Promise<void> {
  const PER = 200;
  for (let s = 0; s < rows.length; s += PER) {
    const params: unknown[] = [];
    const tuples = rows.slice(s, s + PER).map((row) => `(${row.map((v, j) => {
      params.push(v);
      return cols[j].type === 'TIMESTAMP' ? `make_timestamp($${params.length}::BIGINT)` : `$${params.length}`;
    }).join(', ')})`);
    await store.query(`INSERT INTO ${into} VALUES ${tuples.join(', ')}`, params);
  }
}

// ---- export / import

/** Writes one file per table plus a manifest into `dir` (created if missing). */
export async function exportStore(store: Store, dir: string, format: ExportFormat): Promise<ExportManifest> {
  if (!EXPORT_FORMATS.includes(format)) throw new StoreError(`Unknown export format "${format}": choose ${EXPORT_FORMATS.join(', ')}.`);
  const fix = 'choose another --out folder';
  prepareOutputFolder(dir, 'the export', fix);
  const manifest: ExportManifest = { ftbenchExport: 1, schemaVersion: SCHEMA_VERSION, format, exportedAt: new Date().toISOString(), tables: [] };
  for (const table of TABLES) {
    const file = `${table}.${EXT[format]}`;
    const full = path.join(dir, file);
    if (format === 'arrow') {
      writeOutputFile(full, tableToIPC(await arrowTable(store, table), 'file'), 'the export', fix);
    } else {
      const opts = format === 'parquet' ? 'FORMAT parquet' : 'FORMAT csv, HEADER true';
      try {
        await store.query(`COPY (SELECT * FROM ${table}) TO ${quote(full)} (${opts})`);
      } catch (e) {
        const msg = (e as Error).message;
        throw new StoreError(`Cannot write the export to ${full}: ${osCause(msg)?.cause ?? msg.split('\n')[0]}; ${fix}.`, { cause: e });
      }
    }
    const [{ n }] = await store.query(`SELECT count(*)::INTEGER AS n FROM ${table}`);
    manifest.tables.push({ name: table, file, rows: n as number });
  }
  writeOutputFile(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n', 'the export', fix);
  return manifest;
}

/** What an export's manifest must hold; table files are plain names inside the export's folder. */
const manifestSchema = z.looseObject({
  ftbenchExport: z.literal(1),
  schemaVersion: z.int().min(1),
  format: z.enum(EXPORT_FORMATS),
  exportedAt: z.string().optional(),
  tables: z.array(z.looseObject({
    name: z.string(),
    file: z.string().refine((f) => path.basename(f) === f && f !== '..' && f !== '.', { message: 'is not a file name in the export folder' }),
    rows: z.int().min(0),
  })),
});

export function readManifest(dir: string): ExportManifest {
  const file = path.join(dir, MANIFEST);
  if (!fs.existsSync(file)) throw new StoreError(`${dir} is not an ftbench export: it has no ${MANIFEST} (make one with ftbench export).`);
  let m: ExportManifest;
  try {
    m = readJsonWith(file, manifestSchema, { what: 'Export manifest', fix: 'export the database again (ftbench export), or restore the file from the original export' }) as ExportManifest;
  } catch (e) {
    throw new StoreError((e as Error).message, { cause: e });
  }
  if (m.schemaVersion > SCHEMA_VERSION) {
    throw new StoreError(`The export in ${dir} was written by a newer ftbench (store schema ${m.schemaVersion}, this one reads ${SCHEMA_VERSION}).`);
  }
  return m;
}

/** Loads one exported table into a temporary table shaped like the store's own. */
async function stage(store: Store, dir: string, m: ExportManifest, table: string): Promise<string> {
  const entry = m.tables.find((t) => t.name === table);
  if (!entry) throw new StoreError(`The export in ${dir} has no ${table} table.`);
  const file = path.join(dir, entry.file);
  if (!fs.existsSync(file)) throw new StoreError(`The export in ${dir} is missing ${entry.file}.`);
  const tmp = `import_${table}`;
  await store.query(`CREATE OR REPLACE TEMP TABLE ${tmp} AS SELECT * FROM main.${table} LIMIT 0`);
  // An export from an older store lacks the columns added since: read it in that shape, then add them as NULL.
  const later = columnsAddedAfter(m.schemaVersion).filter((c) => c.table === table);
  for (const c of later) await store.query(`ALTER TABLE ${tmp} DROP COLUMN ${c.column}`);
  if (m.format === 'arrow') {
    const cols = await columnsOf(store, tmp, true);
    await insertArrow(store, tmp, cols, arrowRows(tableFromIPC(fs.readFileSync(file)), cols));
  } else {
    await store.query(`COPY ${tmp} FROM ${quote(file)} (${m.format === 'parquet' ? 'FORMAT parquet' : 'FORMAT csv, HEADER true'})`);
  }
  for (const c of later) await store.query(`ALTER TABLE ${tmp} ADD COLUMN ${c.column} ${c.type}`);
  return tmp;
}

/**
 * Merges an export into `store` in one transaction. Runs and trials keep their ids; a trial whose config_hash (or id)
 * is already stored is skipped with its rows, so importing the same export twice changes nothing. The `reported`
 * table is reference data every store loads itself, so it is not merged.
 */
export async function importInto(store: Store, dir: string): Promise<ImportReport> {
  const m = readManifest(dir);
  const report: ImportReport = { runs: { added: 0, existing: 0 }, trials: { added: 0, skipped: [] }, rows: { metrics: 0, curves: 0, predictions: 0 } };
  const count = async (sql: string) => Number((await store.query(`SELECT count(*)::INTEGER AS n FROM ${sql}`))[0].n);
  await store.query('BEGIN TRANSACTION');
  try {
    const runs = await stage(store, dir, m, 'runs');
    report.runs.existing = await count(`${runs} WHERE run_id IN (SELECT run_id FROM main.runs)`);
    report.runs.added = await count(runs) - report.runs.existing;
    await store.query(`INSERT INTO main.runs SELECT * FROM ${runs} WHERE run_id NOT IN (SELECT run_id FROM main.runs)`);

    const trials = await stage(store, dir, m, 'trials');
    const skipped = await store.query(
      `SELECT trial_id, config_hash, technique, model, dataset, seed FROM ${trials}
       WHERE config_hash IN (SELECT config_hash FROM main.trials) OR trial_id IN (SELECT trial_id FROM main.trials) ORDER BY trial_id`,
    );
    report.trials.skipped = skipped.map((r) => ({
      trialId: r.trial_id as string, configHash: r.config_hash as string, what: `${r.technique} on ${r.model}/${r.dataset} seed ${r.seed}`,
    }));
    await store.query(
      `CREATE OR REPLACE TEMP TABLE import_new AS SELECT trial_id FROM ${trials}
       WHERE config_hash NOT IN (SELECT config_hash FROM main.trials) AND trial_id NOT IN (SELECT trial_id FROM main.trials)`,
    );
    report.trials.added = await count('import_new');
    await store.query(`INSERT INTO main.trials SELECT * FROM ${trials} WHERE trial_id IN (SELECT trial_id FROM import_new)`);
    for (const table of ['metrics', 'curves', 'predictions'] as const) {
      const t = await stage(store, dir, m, table);
      report.rows[table] = await count(`${t} WHERE trial_id IN (SELECT trial_id FROM import_new)`);
      await store.query(`INSERT INTO main.${table} SELECT * FROM ${t} WHERE trial_id IN (SELECT trial_id FROM import_new)`);
      await store.query(`DROP TABLE ${t}`);
    }
    for (const t of [runs, trials, 'import_new']) await store.query(`DROP TABLE ${t}`);
    // An export from before schema 3 kept roles in metric names: give its rows theirs, as opening an old store does.
    if (m.schemaVersion < 3) await store.backfillMetricRoles();
    await store.query('COMMIT');
  } catch (e) {
    // A ROLLBACK after a failed write can fail too; its error would hide the cause (a full disk), so it is dropped.
    await store.query('ROLLBACK').catch(() => undefined);
    if (e instanceof StoreError) throw e;
    throw new StoreError(describeWriteError(store.path, `the export from ${dir}`, e), { cause: e });
  }
  return report;
}
