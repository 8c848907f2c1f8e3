// JSON Lines files: one JSON object per line, fields by name (blank lines skipped).
import { DataFileError, type RawSplit, type Row } from './rows.js';
import { readText } from './csv.js';

export function readJsonl(file: string): RawSplit {
  const lines = readText(file).replace(/^\ufeff/, '').split(/\r?\n/);
  const rows: Row[] = [];
  const columns = new Set<string>();
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new DataFileError(file, i + 1, `the line is not valid JSON (${(e as Error).message.replace(/\.$/, '')})`);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new DataFileError(file, i + 1, 'the line is not a JSON object');
    for (const k of Object.keys(v)) columns.add(k);
    rows.push({ line: i + 1, values: v as Record<string, unknown> });
  });
  // A field absent from only some lines reads as undefined there, and toExamples names that line.
  return { file, columns: [...columns], rows, headerLine: rows[0]?.line ?? 1 };
}
