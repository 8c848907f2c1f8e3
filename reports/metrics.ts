// What the report knows about metric names: their direction and how to print them.

import { METRICS } from '../harness/eval/metrics.js';

// Directions come from the store (metrics.higher_is_better); the name-based rule below serves only names the store does
// not type: the literature's reported metrics (data/reference/) and rows from foreign exports.
const LOWER_IS_BETTER = /(perplexity|ppl|loss|error|wer|cer|mse|mae|forgetting)$/i;
// Scores stored as fractions in [0, 1] that surveys print as percentages.
const PERCENT = /^(accuracy|acc|f1|macro[-_]f1|micro[-_]f1|mcc|matthews|pearson|spearman|exact_match|em|rouge.*|bleu)$/i;

/** `Acc (%)` → `Acc`: the metric a reported column names. */
function baseName(metric: string): string {
  return metric.replace(/@.*$/, '');
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

export function metricLabel(metric: string, higher = higherIsBetter(metric)): string {
  return `${metric} ${higher ? '↑' : '↓'}${isPercent(metric) ? ' (%)' : ''}`;
}
