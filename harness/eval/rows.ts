// A measurement as evaluation produces it and the store keeps it: the value with its role and direction.
import { METRICS } from './metrics.js';

/**
 * - `score`: a dataset metric on dev or test (dev during training, both at the end);
 * - `primary`: the task's primary metric on the test split, the one a report's table shows;
 * - `baseline`: the same metric for a trivial predictor (majority class, mean, copy the input);
 * - `heldout`: language-model measurements on held-out text (lm_loss, forgetting; perplexity at a `context` length);
 * - `technique`: a plugin's own measurements (expert utilisation, sparsity, rank, forgetting of earlier tasks).
 */
export const METRIC_ROLES = ['score', 'primary', 'baseline', 'heldout', 'technique'] as const;
export type MetricRole = (typeof METRIC_ROLES)[number];

/** `name` is the plain metric id; `context` the sequence length a held-out perplexity was taken at. */
export interface MetricRow {
  split: string;
  step: number;
  name: string;
  value: number;
  role: MetricRole;
  /** null where no direction is known (a plugin's own measurements). */
  higherIsBetter: boolean | null;
  context?: number | null;
}

/** Directions of every metric a trial stores under a known name: the registry's, plus the held-out LM measurements. */
export function metricDirections(): Record<string, boolean> {
  return { ...Object.fromEntries(METRICS.map((m) => [m.id, m.higherIsBetter])), lm_loss: false, forgetting: false };
}

const DIRECTIONS = metricDirections();

/** A row with the direction the metric registry declares (null for names it does not know). */
export function metricRow(split: string, step: number, name: string, value: number, role: MetricRole, context: number | null = null): MetricRow {
  return { split, step, name, value, role, higherIsBetter: role === 'technique' ? null : (DIRECTIONS[name] ?? null), context };
}
