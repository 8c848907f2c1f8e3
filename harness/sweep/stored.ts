// Which of a sweep's trials the database already holds, found before any base is loaded or training split tokenised,
// so a resumed sweep spends nothing on them.
import { checkpointKey } from '../zoo/bases.js';
import type { Dataset } from '../../datasets/types.js';
import { configHash, type PlannedTrial } from './plan.js';
import { modelIdOf, type Suite } from './suite.js';

/** The checkpoint hash of a trial refused in a run that never loaded its base (none of that base's trials fit). */
export const REFUSED_BEFORE_LOAD = 'refused-before-load';

export interface StoredTrials {
  /** Trials stored under either hash they can have: their base's checkpoint hash, or REFUSED_BEFORE_LOAD. */
  stored: Set<PlannedTrial>;
  /** The checkpoint hash of each base that has a trial stored under it (that base was loaded by an earlier run). */
  keyed: Map<string, string>;
}

/**
 * Matches the trials against `done` (the config hashes of finished trials). A base's checkpoint hash comes from its
 * preset or its folder's files (checkpointKey), not from loading it; where it cannot be had that way (an imported
 * folder without weights, whose trials were all refused), only REFUSED_BEFORE_LOAD is looked for, and the rest is
 * left to the plan's checks and the load, which say what is wrong.
 */
export async function storedTrials(suite: Suite, trials: PlannedTrial[], datasets: Map<string, Dataset>, done: Set<string>, backend: string): Promise<StoredTrials> {
  const out: StoredTrials = { stored: new Set(), keyed: new Map() };
  if (done.size === 0) return out; // a fresh database: no base is hashed
  const hash = (t: PlannedTrial, checkpointHash: string) => configHash(t, { checkpointHash, datasetHash: datasets.get(t.dataset)!.contentHash, backend });
  for (const entry of suite.models) {
    const id = modelIdOf(entry);
    const mine = trials.filter((t) => t.model === id);
    if (mine.length === 0) continue;
    const key = await checkpointKey(entry).catch(() => null);
    for (const t of mine) {
      if (key !== null && done.has(hash(t, key))) {
        out.stored.add(t);
        out.keyed.set(id, key);
      } else if (done.has(hash(t, REFUSED_BEFORE_LOAD))) out.stored.add(t);
    }
  }
  return out;
}
