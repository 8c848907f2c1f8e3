// Byte-level BPE training on a word-frequency table, with incremental pair counts so ~10 MB trains in seconds.
import { PairHeap } from './heap.js';
import { normalize, pretokenize } from './pretokenize.js';
import { NUM_SPECIAL } from './special.js';

/** Ids are packed two to a number key; 2^21 ids is far above any vocabulary we train. */
const SHIFT = 2 ** 21;
export const MAX_VOCAB = SHIFT;
/** Byte b has id BYTE_OFFSET + b; merged tokens follow. */
export const BYTE_OFFSET = NUM_SPECIAL;
export const FIRST_MERGE_ID = BYTE_OFFSET + 256;

/** A pair seen once is noise, not a unit worth a vocabulary slot. */
const MIN_PAIR_COUNT = 2;

export function countWords(texts: Iterable<string>, lowercase: boolean): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const w of pretokenize(normalize(text, lowercase))) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

export function wordBytes(word: string): number[] {
  const bytes = Buffer.from(word, 'utf8');
  const ids = new Array<number>(bytes.length);
  for (let i = 0; i < bytes.length; i++) ids[i] = BYTE_OFFSET + bytes[i];
  return ids;
}

/**
 * Learns merges until the vocabulary reaches vocabSize (or no pair occurs twice).
 * Returns merges as a flat [left0, right0, left1, right1, ...] list; merge i creates id FIRST_MERGE_ID + i.
 * Ties go to the smaller (left, right) id pair, and words are visited in sorted order, so training is deterministic.
 */
export function learnMerges(wordCounts: Map<string, number>, vocabSize: number): number[] {
  if (vocabSize > MAX_VOCAB) throw new Error(`vocabSize ${vocabSize} is above the supported ${MAX_VOCAB}.`);
  const entries = [...wordCounts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const words = entries.map(([w]) => wordBytes(w));
  const freq = entries.map(([, c]) => c);

  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  for (let w = 0; w < words.length; w++) {
    const s = words[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const k = s[i] * SHIFT + s[i + 1];
      pairCount.set(k, (pairCount.get(k) ?? 0) + freq[w]);
      let set = pairWords.get(k);
      if (!set) pairWords.set(k, (set = new Set()));
      set.add(w);
    }
  }
  const heap = new PairHeap();
  for (const [k, c] of pairCount) heap.push(c, k);

  const merges: number[] = [];
  const nMerges = vocabSize - FIRST_MERGE_ID;
  while (merges.length / 2 < nMerges) {
    const top = heap.peek();
    if (!top) break;
    const [c, k] = top;
    heap.pop();
    // Lazy deletion: an entry is stale when its count has changed since it was pushed.
    if (pairCount.get(k) !== c) continue;
    if (c < MIN_PAIR_COUNT) break;
    const a = Math.floor(k / SHIFT);
    const b = k - a * SHIFT;
    const id = FIRST_MERGE_ID + merges.length / 2;
    merges.push(a, b);

    const delta = new Map<number, number>();
    const bump = (key: number, d: number) => delta.set(key, (delta.get(key) ?? 0) + d);
    const where = [...(pairWords.get(k) ?? [])].sort((x, y) => x - y);
    for (const w of where) {
      const s = words[w];
      const f = freq[w];
      let has = false;
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) (has = true), (i = s.length);
      if (!has) continue;
      for (let i = 0; i + 1 < s.length; i++) bump(s[i] * SHIFT + s[i + 1], -f);
      const merged: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          merged.push(id);
          i++;
        } else merged.push(s[i]);
      }
      words[w] = merged;
      for (let i = 0; i + 1 < merged.length; i++) {
        const nk = merged[i] * SHIFT + merged[i + 1];
        bump(nk, f);
        let set = pairWords.get(nk);
        if (!set) pairWords.set(nk, (set = new Set()));
        set.add(w);
      }
    }
    pairWords.delete(k);
    for (const [key, d] of delta) {
      if (d === 0) continue;
      const n = (pairCount.get(key) ?? 0) + d;
      if (n > 0) {
        pairCount.set(key, n);
        heap.push(n, key);
      } else pairCount.delete(key);
    }
  }
  return merges;
}
