// What the report knows about metric names: their direction and how to print them.

import { METRICS } from '../harness/eval/metrics.js';

// Names not in the metric registry (forgetting, losses, ppl@<context>) get their direction from the name.
const LOWER_IS_BETTER = /(perplexity|ppl|loss|error|wer|cer|mse|mae|forgetting)$/i;
// Scores stored as fractions in [0, 1] that surveys print as percentages.
const PERCENT = /^(accuracy|acc|f1|macro[-_]f1|micro[-_]f1|mcc|matthews|pearson|spearman|exact_match|em|rouge.*|bleu)$/i;

/** `primary:f1` → `f1`, `ppl@128` → `ppl`: the metric a stored row name refers to. */
function baseName(metric: string): string {
  return metric.replace(/^(primary|baseline):/, '').replace(/@.*$/, '');
}

export function higherIsBetter(metric: string): boolean {
  const name = baseName(metric);
  const known = METRICS.find((m) => m.id === name);
  return known ? known.higherIsBetter : !LOWER_IS_BETTER.test(name);
}

export function isPercent(metric: string): boolean {
  return PERCENT.test(baseName(metric));
}

/** The number as a survey table prints it: percentages with one decimal, others with 3 significant digits. */
export function formatScore(metric: string, v: number | null | undefined): string {
  if (v == null || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (isPercent(metric)) return (v * 100).toFixed(1);
  return Math.abs(v) >= 100 ? v.toFixed(1) : Number(v.toPrecision(3)).toString();
}

/** A spread (std, CI half-width) in the same units as formatScore. */
export function formatSpread(metric: string, v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (isPercent(metric)) return (v * 100).toFixed(1);
  return Number(v.toPrecision(2)).toString();
}

export function metricLabel(metric: string): string {
  return `${metric} ${higherIsBetter(metric) ? '↑' : '↓'}${isPercent(metric) ? ' (%)' : ''}`;
}
