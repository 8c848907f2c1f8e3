// What the report knows about metric names: their direction and how to print them.

// Until metrics carry `higherIsBetter` in the store (STYLE.md point 5), direction is read from the name.
const LOWER_IS_BETTER = /(perplexity|ppl|loss|error|wer|cer|mse|mae)$/i;
// Scores stored as fractions in [0, 1] that surveys print as percentages.
const PERCENT = /^(accuracy|acc|f1|macro_f1|micro_f1|mcc|matthews|pearson|spearman|exact_match|em|rouge.*|bleu)$/i;

export function higherIsBetter(metric: string): boolean {
  return !LOWER_IS_BETTER.test(metric);
}

export function isPercent(metric: string): boolean {
  return PERCENT.test(metric);
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
