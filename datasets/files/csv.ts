// CSV files with a header row, read with a real CSV parser (quotes, multi-line fields, BOM); TSV with literal quotes.
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DataFileError, type RawSplit } from './rows.js';

export function readCsv(file: string, delimiter = ','): RawSplit {
  const text = readText(file);
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    // Tab-separated files (GLUE's among them) do not quote: a quote there is part of the text.
    records = parse(text, { columns: true, bom: true, info: true, delimiter, skip_empty_lines: true, quote: delimiter === '\t' ? false : '"' }) as typeof records;
  } catch (e) {
    const err = e as Error & { code?: string; lines?: number };
    const why =
      err.code === 'CSV_RECORD_INCONSISTENT_COLUMNS' ? 'the row has a different number of fields than the header (a ragged row)'
      : err.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted field is never closed'
      : err.code === 'CSV_INVALID_CLOSING_QUOTE' ? 'a quote inside a quoted field is not doubled'
      : err.code === 'CSV_DUPLICATE_COLUMN_NAMES' || /duplicate/i.test(err.message) ? 'the header names a column twice'
      : `it is not valid CSV (${err.message.split('\n')[0].replace(/\.$/, '')})`;
    throw new DataFileError(file, err.lines ?? null, why);
  }
  const firstLine = text.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0];
  const columns = firstLine ? (parse(firstLine, { delimiter, bom: true, quote: delimiter === '\t' ? false : '"' }) as string[][])[0] ?? [] : [];
  if (columns.length === 0) throw new DataFileError(file, 1, 'the file is empty: it has no header row');
  // info.lines is where a record ends; a multi-line quoted field starts earlier, which the message does not need.
  return { file, columns, headerLine: 1, rows: records.map((r) => ({ line: r.info.lines, values: r.record })) };
}

export function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the file does not exist' : code === 'EISDIR' ? 'it is a folder, not a file' : code === 'EACCES' ? 'the file cannot be read (permission denied)' : `the file cannot be read (${code ?? (e as Error).message})`;
    throw new DataFileError(file, null, why);
  }
}
