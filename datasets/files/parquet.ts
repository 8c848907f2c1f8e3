// Parquet files (e.g. Hugging Face `datasets` exports such as sst2/train-00000-of-00001.parquet), read through DuckDB.
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { DataFileError, type RawSplit } from './rows.js';

/** Reads one split from its shard files, in order; "line" in messages is the row number counted across the shards. */
export async function readParquet(files: string[]): Promise<RawSplit> {
  const name = files.length === 1 ? files[0] : `${files[0]} (+${files.length - 1} shards)`;
  for (const f of files) {
    if (!fs.existsSync(f)) throw new DataFileError(f, null, 'the file does not exist');
    if (fs.statSync(f).isDirectory()) throw new DataFileError(f, null, 'it is a folder, not a file');
  }
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const conn = await instance.connect();
    try {
      let reader;
      try {
        // DuckDB takes a list of files as one table; row order is the files' order, then each file's.
        const list = `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
        reader = await conn.runAndReadAll(`SELECT * FROM read_parquet(${list})`);
      } catch (e) {
        const msg = (e as Error).message.split('\n')[0].replace(/\.$/, '');
        throw new DataFileError(name, null, `it is not a readable Parquet file (${msg})`);
      }
      const rows = reader.getRowObjectsJS().map((values, i) => ({ line: i + 1, values: values as Record<string, unknown> }));
      return { file: name, columns: reader.columnNames(), rows, headerLine: 1, unit: 'row' };
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
