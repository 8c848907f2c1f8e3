// The collated tables as one long CSV (a row per model × technique × dataset), for spreadsheets and plotting.
import type { ModelTable } from './tables.js';

const HEADER = ['model', 'category', 'technique', 'dataset', 'metric', 'mean', 'std', 'ci95_lo', 'ci95_hi', 'seeds', 'best',
  'trainable_params', 'backbone_trainable_pct', 'peak_bytes', 'tokens_per_s', 'adapter_bytes'];

export function renderCsv(tables: ModelTable[]): string {
  const lines = [HEADER.join(',')];
  for (const t of tables) {
    for (const g of t.groups) {
      for (const r of g.rows) {
        for (const c of t.columns) {
          const cell = r.cells[c.dataset];
          if (!cell) continue;
          lines.push([t.model, g.category, r.technique, c.dataset, c.metric, cell.mean, cell.std, cell.ci?.[0], cell.ci?.[1],
            cell.values.length, cell.best, r.trainableParams, r.backbonePct, r.peakBytes, r.tokensPerS, r.adapterBytes].map(field).join(','));
        }
      }
    }
  }
  return lines.join('\n') + '\n';
}

function field(v: unknown): string {
  if (v == null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
