// A sweep's tokenised training rows, shared by the memory preflight (which needs their longest row) and the trials
// (which batch them): each training split is tokenised once per base, length and example limit, not once per trial.
import type { Example } from '../../datasets/types.js';
import type { Encoded } from '../train/batch.js';
import type { PlannedTrial } from './plan.js';
import { encodeSplit } from './services.js';

export interface EncodedTrain {
  rows: Encoded[];
  /** Tokens in the longest row as a batch holds it (batches pad to their longest row, cut at max_len): at least 1. */
  longest: number;
}

export class TrainRows {
  private readonly byKey = new Map<string, EncodedTrain>();

  /**
   * The trial's training split (cut to its budget's train_examples), encoded by `encode` on first use. Encoding depends
   * only on the base's tokenizer, the dataset and the length, so trials that share those share the rows (no technique
   * or seed changes them: batches are built from them, never written into them).
   */
  of(t: PlannedTrial, maxLen: number, train: Example[], encode: (e: Example) => Encoded): EncodedTrain {
    const key = JSON.stringify([t.model, t.dataset, maxLen, t.budget.train_examples ?? null]);
    let hit = this.byKey.get(key);
    if (!hit) {
      const rows = encodeSplit(train, encode, t.budget.train_examples);
      // A loop, not Math.max(...): a split of 100k rows would overflow the argument list.
      let longest = 1;
      for (const r of rows) longest = Math.max(longest, r.ids.length);
      this.byKey.set(key, (hit = { rows, longest: Math.min(longest, maxLen) }));
    }
    return hit;
  }
}
