// Paired tests of each technique against full fine-tuning and LoRA on the same test items and seeds.
import type { Prediction, TrialRow } from './load.js';
import { mcnemarExact, pairedBootstrap } from './stats.js';

export const REFERENCES = ['full-ft', 'lora'] as const;
const ALPHA = 0.05;

export interface Comparison {
  model: string;
  dataset: string;
  technique: string;
  reference: string;
  kind: 'classification' | 'regression';
  items: number;               // paired (seed, item) observations
  seeds: number;
  /** Mean per-item difference A − reference: accuracy points (0..1) or reduction in squared error. */
  delta: number;
  lo: number;
  hi: number;
  /** McNemar's exact p for classification, paired-bootstrap p for regression. */
  p: number;
  test: 'McNemar (exact)' | 'paired bootstrap';
  verdict: 'better' | 'worse' | 'no significant difference';
}

export function compareAll(trials: readonly TrialRow[], predictions: readonly Prediction[]): Comparison[] {
  const byTrial = new Map<string, Prediction[]>();
  for (const p of predictions) {
    const list = byTrial.get(p.trialId) ?? [];
    list.push(p);
    byTrial.set(p.trialId, list);
  }
  const ok = trials.filter((t) => t.status === 'ok' && byTrial.has(t.trialId));
  const out: Comparison[] = [];
  const groups = new Set(ok.map((t) => `${t.model}\u0000${t.dataset}`));
  for (const g of [...groups].sort()) {
    const [model, dataset] = g.split('\u0000') as [string, string];
    const here = ok.filter((t) => t.model === model && t.dataset === dataset);
    const techniques = [...new Set(here.map((t) => t.technique))].sort();
    for (const reference of REFERENCES) {
      const refTrials = here.filter((t) => t.technique === reference);
      if (!refTrials.length) continue;
      for (const technique of techniques) {
        if (technique === reference) continue;
        const c = compare(here.filter((t) => t.technique === technique), refTrials, byTrial);
        if (c) out.push({ model, dataset, technique, reference, ...c });
      }
    }
  }
  return out;
}

type Result = Omit<Comparison, 'model' | 'dataset' | 'technique' | 'reference'>;

function compare(a: TrialRow[], ref: TrialRow[], byTrial: Map<string, Prediction[]>): Result | null {
  const pairs: [Prediction, Prediction][] = [];
  const seeds = new Set<number>();
  for (const ta of a) {
    const tb = ref.find((r) => r.seed === ta.seed);
    if (!tb) continue;
    const bItems = new Map(byTrial.get(tb.trialId)!.map((p) => [p.item, p]));
    for (const pa of byTrial.get(ta.trialId)!) {
      const pb = bItems.get(pa.item);
      if (pb && pb.target === pa.target) pairs.push([pa, pb]);
    }
    seeds.add(ta.seed);
  }
  if (pairs.length === 0) return null;
  const classification = pairs.every(([x, y]) => [x.predicted, x.target, y.predicted].every(Number.isInteger));
  if (classification) {
    let b = 0;
    let c = 0;
    const diffs = pairs.map(([x, y]) => {
      const ra = x.predicted === x.target ? 1 : 0;
      const rb = y.predicted === y.target ? 1 : 0;
      if (ra > rb) b++;
      if (rb > ra) c++;
      return ra - rb;
    });
    const boot = pairedBootstrap(diffs);
    const p = mcnemarExact(b, c);
    return { kind: 'classification', items: pairs.length, seeds: seeds.size, delta: boot.mean, lo: boot.lo, hi: boot.hi, p, test: 'McNemar (exact)', verdict: verdict(boot.mean, p) };
  }
  // Regression targets (STS-B-like): compare squared errors; positive delta means A's errors are smaller.
  const diffs = pairs.map(([x, y]) => (y.predicted - y.target) ** 2 - (x.predicted - x.target) ** 2);
  const boot = pairedBootstrap(diffs);
  return { kind: 'regression', items: pairs.length, seeds: seeds.size, delta: boot.mean, lo: boot.lo, hi: boot.hi, p: boot.p, test: 'paired bootstrap', verdict: verdict(boot.mean, boot.p) };
}

function verdict(delta: number, p: number): Comparison['verdict'] {
  if (!(p < ALPHA) || delta === 0) return 'no significant difference';
  return delta > 0 ? 'better' : 'worse';
}
