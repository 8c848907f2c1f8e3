// `ftbench import DIR`: merges an export (from ftbench export) into a results database; runs and trials keep their ids.
import path from 'node:path';
import { Store } from '../harness/store/index.js';
import { importInto, type ImportReport } from '../harness/store/exchange.js';
import { DEFAULT_DB } from '../core/paths.js';

export async function importCommand(dir: string, o: { db: string }): Promise<ImportReport> {
  const db = path.resolve(o.db);
  const store = await Store.open(db, { createDir: db === DEFAULT_DB });
  try {
    return await importInto(store, path.resolve(dir));
  } finally {
    await store.close();
  }
}

export function describeImport(r: ImportReport, db: string): string {
  const lines = [
    `imported into ${db}: ${r.runs.added} runs (${r.runs.existing} already there), ${r.trials.added} trials ` +
      `(${r.rows.metrics} metrics, ${r.rows.curves} curve points, ${r.rows.predictions} predictions), ` +
      `${r.trials.skipped.length} trials skipped because their config is already stored`,
  ];
  for (const s of r.trials.skipped.slice(0, 20)) lines.push(`  skipped ${s.what} (config ${s.configHash})`);
  if (r.trials.skipped.length > 20) lines.push(`  … and ${r.trials.skipped.length - 20} more`);
  return lines.join('\n');
}
