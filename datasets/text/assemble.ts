// Turns examples tagged with their source unit into fixed, shuffled splits (and the unit of each example, for leak tests).
import { hashShuffle, splitOf, type SplitName } from '../split.js';
import type { Example, Splits } from '../types.js';

export interface Tagged {
  ex: Example;
  /** The source unit (document, word, chapter …): every example of a unit lands in the same split. */
  unit: string;
  /** Unique per example, for the fixed shuffle. */
  key: string;
}

export interface Assembled {
  splits: Splits;
  units: Record<keyof Splits, string[]>;
}

/** Splits by unit (80/10/10 by hash unless `splitFor` says otherwise), each split shuffled once by key. */
export function assemble(rows: Tagged[], splitFor: (unit: string) => SplitName = (u) => splitOf(u)): Assembled {
  const by: Record<keyof Splits, Tagged[]> = { train: [], dev: [], test: [] };
  for (const r of rows) by[splitFor(r.unit)].push(r);
  const splits = {} as Splits;
  const units = {} as Assembled['units'];
  for (const k of ['train', 'dev', 'test'] as const) {
    // Shuffled so "the first N" the harness takes is a fair sample.
    const sh = hashShuffle(by[k], (r) => r.key);
    splits[k] = sh.map((r) => r.ex);
    units[k] = sh.map((r) => r.unit);
  }
  return { splits, units };
}

/** "train 3,204 (51% positive), dev …": the per-split sizes and label shares a card shows. */
export function describeSplits(splits: Splits, labels?: string[]): string {
  return (['train', 'dev', 'test'] as const)
    .map((k) => {
      const xs = splits[k];
      if (!labels) return `${k} ${xs.length}`;
      const shares = labels.map((l, i) => `${Math.round((100 * xs.filter((e) => e.label === i).length) / Math.max(1, xs.length))}% ${l}`);
      return `${k} ${xs.length} (${shares.join(' / ')})`;
    })
    .join(', ');
}
