// Text of one table cell, shared by the HTML, Markdown and CSV outputs so they always agree.
import { formatScore, formatSpread } from './metrics.js';
import type { Cell } from './tables.js';

/** "90.0 ± 1.2" (mean ± std over seeds), or just the mean with one seed. */
export function scoreText(metric: string, c: Cell | null | undefined): string {
  if (!c) return '—';
  const m = formatScore(metric, c.mean);
  return Number.isFinite(c.std) ? `${m} ± ${formatSpread(metric, c.std)}` : m;
}

/** "95% CI [88.1, 91.9] over 3 seeds", or '' with one seed. */
export function ciText(metric: string, c: Cell | null | undefined): string {
  if (!c?.ci) return '';
  return `95% CI [${formatScore(metric, c.ci[0])}, ${formatScore(metric, c.ci[1])}] over ${c.values.length} seeds`;
}
