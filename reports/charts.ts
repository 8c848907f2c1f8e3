// Vega-Lite specs for the report's charts, built from the collated tables and the curves.
import type { TopLevelSpec } from 'vega-lite';
import type { CurvePoint, ExtraMetric, TrialRow } from './load.js';
import { isPercent } from './metrics.js';
import type { ModelTable } from './tables.js';

export interface Chart { id: string; title: string; caption: string; spec: TopLevelSpec }

const CATEGORY_COLORS = { field: 'category', type: 'nominal', title: 'category' } as const;

export function buildCharts(tables: readonly ModelTable[], trials: readonly TrialRow[], curves: readonly CurvePoint[], extras: readonly ExtraMetric[] = []): Chart[] {
  const charts: Chart[] = [];
  for (const t of tables) {
    const pareto = scoreVsParams(t);
    if (pareto) charts.push(pareto);
  }
  const mem = resourceBars(tables, 'peakBytes', 'memory', 'Peak tensor memory per technique', 'peak MiB', 1 / 2 ** 20);
  if (mem) charts.push(mem);
  const tps = resourceBars(tables, 'tokensPerS', 'throughput', 'Training throughput per technique', 'tokens/s', 1);
  if (tps) charts.push(tps);
  const lc = learningCurves(trials, curves);
  if (lc) charts.push(lc);
  const util = expertUtilisation(trials, extras);
  if (util) charts.push(util);
  const ctx = perplexityByContext(trials, extras);
  if (ctx) charts.push(ctx);
  return charts;
}

/** Mean over seeds of the extra metrics `partsOf` accepts, keyed by trial panel, technique and the parts it returns. */
function meanExtras(trials: readonly TrialRow[], extras: readonly ExtraMetric[], partsOf: (e: ExtraMetric) => number[] | null) {
  const byId = new Map(trials.filter((t) => t.status === 'ok').map((t) => [t.trialId, t]));
  const acc = new Map<string, { panel: string; technique: string; parts: number[]; sum: number; n: number }>();
  for (const e of extras) {
    const t = byId.get(e.trialId);
    const parts = partsOf(e);
    if (!t || !parts || !Number.isFinite(e.value)) continue;
    const panel = `${t.model} / ${t.dataset}`;
    const k = [panel, t.technique, ...parts].join('\u0000');
    const a = acc.get(k) ?? { panel, technique: t.technique, parts, sum: 0, n: 0 };
    a.sum += e.value;
    a.n += 1;
    acc.set(k, a);
  }
  return [...acc.values()].map((a) => ({ panel: a.panel, technique: a.technique, parts: a.parts, value: a.sum / a.n }));
}

/** Share of tokens each expert received, per layer: one heatmap per mixture-of-experts technique. */
function expertUtilisation(trials: readonly TrialRow[], extras: readonly ExtraMetric[]): Chart | null {
  const values = meanExtras(trials, extras, (e) => /^util\.layer(\d+)\.expert(\d+)$/.exec(e.name)?.slice(1).map(Number) ?? null).map((v) => ({
    run: `${v.technique} (${v.panel})`, layer: v.parts[0], expert: v.parts[1], share: v.value,
  }));
  if (!values.length) return null;
  return {
    id: 'experts', title: 'Expert utilisation',
    caption: 'Share of routed tokens per expert and layer (mean over seeds); an even row means balanced routing.',
    spec: {
      data: { values },
      facet: { column: { field: 'run', type: 'nominal', title: null } },
      spec: {
        width: { step: 18 }, height: { step: 18 },
        mark: 'rect',
        encoding: {
          x: { field: 'expert', type: 'ordinal' },
          y: { field: 'layer', type: 'ordinal' },
          color: { field: 'share', type: 'quantitative', scale: { scheme: 'blues', domain: [0, 1] } },
          tooltip: [{ field: 'layer' }, { field: 'expert' }, { field: 'share', format: '.3f' }],
        },
      },
    } as TopLevelSpec,
  };
}

/** Held-out perplexity against evaluation context length (LongLoRA against plain LoRA). */
function perplexityByContext(trials: readonly TrialRow[], extras: readonly ExtraMetric[]): Chart | null {
  const values = meanExtras(trials, extras, (e) => (e.name === 'perplexity' && e.context != null ? [e.context] : null)).map((v) => ({ panel: v.panel, technique: v.technique, context: v.parts[0], perplexity: v.value }));
  if (!values.length) return null;
  return {
    id: 'context', title: 'Perplexity vs context length',
    caption: 'Held-out perplexity at each evaluation context length (mean over seeds); lower is better.',
    spec: {
      data: { values },
      facet: { column: { field: 'panel', type: 'nominal', title: null } },
      spec: {
        width: 300, height: 220,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'context', type: 'quantitative', title: 'context length (tokens)' },
          y: { field: 'perplexity', type: 'quantitative', scale: { zero: false } },
          color: { field: 'technique', type: 'nominal' },
        },
      },
    } as TopLevelSpec,
  };
}

/** Score vs trainable parameters (log x), one panel per dataset, the Pareto front joined by a line. */
function scoreVsParams(t: ModelTable): Chart | null {
  const values: Record<string, unknown>[] = [];
  for (const col of t.columns) {
    // Percent metrics are plotted ×100, the way the tables print them.
    const points = t.groups.flatMap((g) => g.rows)
      .filter((r) => r.cells[col.dataset] && r.trainableParams && r.trainableParams > 0)
      .map((r) => ({ technique: r.technique, category: r.category, dataset: `${col.dataset} (${col.metric})`, trainable: r.trainableParams!, score: r.cells[col.dataset]!.mean * (isPercent(col.metric) ? 100 : 1), pareto: false }));
    // Pareto-optimal: no other technique is at least as good with fewer (or equal) trainable parameters.
    const better = (a: number, b: number) => (col.higherIsBetter ? a > b : a < b);
    for (const p of points) {
      p.pareto = !points.some((q) => q !== p && q.trainable <= p.trainable && (better(q.score, p.score) || (q.score === p.score && q.trainable < p.trainable)));
    }
    values.push(...points);
  }
  if (!values.length) return null;
  const x = { field: 'trainable', type: 'quantitative', scale: { type: 'log' }, title: 'trainable parameters (log)' } as const;
  const y = { field: 'score', type: 'quantitative', scale: { zero: false }, title: 'test score (mean over seeds)' } as const;
  return {
    id: `pareto-${slug(t.model)}`,
    title: `${t.model}: score vs trainable parameters`,
    caption: 'Each point is a technique (mean over seeds); the line joins the Pareto front (no technique scores better with fewer trainable parameters).',
    spec: {
      data: { values },
      facet: { column: { field: 'dataset', type: 'nominal', title: null } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 300, height: 220,
        layer: [
          { transform: [{ filter: 'datum.pareto' }], mark: { type: 'line', color: '#999', strokeDash: [4, 3] }, encoding: { x, y, order: { field: 'trainable', type: 'quantitative' } } },
          { mark: { type: 'point', filled: true, size: 90 }, encoding: { x, y, color: { field: 'technique', type: 'nominal' }, size: { field: 'pareto', type: 'ordinal', title: 'on Pareto front', scale: { domain: [false, true], range: [50, 160] } }, tooltip: [{ field: 'technique' }, { field: 'trainable', format: ',' }, { field: 'score', format: '.3~f' }] } },
        ],
      },
    } as TopLevelSpec,
  };
}

function resourceBars(tables: readonly ModelTable[], key: 'peakBytes' | 'tokensPerS', id: string, title: string, unit: string, scale: number): Chart | null {
  const values = tables.flatMap((t) => t.groups.flatMap((g) => g.rows)
    .filter((r) => r[key] != null && r[key]! > 0)
    .map((r) => ({ model: t.model, technique: r.technique, category: r.category, value: r[key]! * scale })));
  if (!values.length) return null;
  return {
    id, title,
    caption: `Mean over the technique's trials on each base model (${unit}).`,
    spec: {
      data: { values },
      facet: { row: { field: 'model', type: 'nominal', title: null } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 480,
        mark: 'bar',
        encoding: {
          y: { field: 'technique', type: 'nominal', sort: '-x', title: null },
          x: { field: 'value', type: 'quantitative', title: unit },
          color: CATEGORY_COLORS,
          tooltip: [{ field: 'technique' }, { field: 'value', format: ',.1f', title: unit }],
        },
      },
    } as TopLevelSpec,
  };
}

/** Training loss vs step, mean over seeds, one panel per model × dataset. */
function learningCurves(trials: readonly TrialRow[], curves: readonly CurvePoint[]): Chart | null {
  const byId = new Map(trials.filter((t) => t.status === 'ok').map((t) => [t.trialId, t]));
  // Average over seeds here rather than in Vega, so the embedded data stays small.
  const acc = new Map<string, { panel: string; technique: string; step: number; sum: number; n: number }>();
  for (const c of curves) {
    const t = byId.get(c.trialId);
    if (!t || !Number.isFinite(c.loss)) continue;
    const panel = `${t.model} / ${t.dataset}`;
    const k = `${panel}\u0000${t.technique}\u0000${c.step}`;
    const a = acc.get(k) ?? { panel, technique: t.technique, step: c.step, sum: 0, n: 0 };
    a.sum += c.loss;
    a.n += 1;
    acc.set(k, a);
  }
  const values = [...acc.values()].map((a) => ({ panel: a.panel, technique: a.technique, step: a.step, loss: a.sum / a.n }));
  if (!values.length) return null;
  return {
    id: 'curves', title: 'Learning curves',
    caption: 'Training loss per step, mean over seeds.',
    spec: {
      data: { values },
      facet: { column: { field: 'panel', type: 'nominal', title: null } },
      spec: {
        width: 300, height: 220,
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'step', type: 'quantitative' },
          y: { field: 'loss', type: 'quantitative', scale: { zero: false } },
          color: { field: 'technique', type: 'nominal' },
        },
      },
    } as TopLevelSpec,
  };
}

export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
