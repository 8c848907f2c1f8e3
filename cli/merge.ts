// `ftbench merge a.duckdb b.duckdb … --db all.duckdb`: one results file from the files of several shards or machines.
import path from 'node:path';
import { Store } from '../harness/store/index.js';
import { mergeInto } from '../harness/store/merge.js';
import { DEFAULT_DB } from '../core/paths.js';

export async function mergeCommand(files: string[], db: string): Promise<{ text: string; conflicts: number }> {
  const target = path.resolve(db);
  const store = await Store.open(target, { createDir: target === DEFAULT_DB });
  try {
    const report = await mergeInto(store, files);
    const lines: string[] = [];
    let conflicts = 0;
    for (const r of report) {
      lines.push(`${r.file}: ${r.trials} trials, ${r.added} added, ${r.same} already stored alike` +
        (r.replacedFailed ? `, ${r.replacedFailed} replaced a failed one` : '') + (r.conflicts.length ? `, ${r.conflicts.length} in conflict (kept the stored one)` : ''));
      for (const c of r.conflicts) lines.push(`  conflict: ${c.what} (config ${c.configHash}) is ${c.why}`);
      conflicts += r.conflicts.length;
    }
    const [{ n }] = await store.query('SELECT count(*)::INTEGER AS n FROM trials');
    lines.push(`${db} now holds ${n} trials`);
    return { text: lines.join('\n'), conflicts };
  } finally {
    await store.close();
  }
}
