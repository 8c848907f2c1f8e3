// `ftbench export`: every table of a results database as Parquet, Arrow IPC or CSV files plus a manifest.
import path from 'node:path';
import { Store } from '../harness/store/index.js';
import { exportStore, type ExportFormat, type ExportManifest } from '../harness/store/exchange.js';

export async function exportCommand(o: { db: string; format: ExportFormat; out: string }): Promise<ExportManifest> {
  const store = await Store.open(path.resolve(o.db), { readOnly: true });
  try {
    return await exportStore(store, path.resolve(o.out), o.format);
  } finally {
    await store.close();
  }
}

export function describeExport(m: ExportManifest, out: string): string {
  return `exported ${m.tables.map((t) => `${t.name} (${t.rows})`).join(', ')} as ${m.format} to ${out}`;
}
