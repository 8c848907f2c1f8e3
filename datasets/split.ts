// Deterministic splitting helpers: hash a source unit's id into train/dev/test, and shuffle by hash.
import { hashOf } from '../core/hash.js';

export type SplitName = 'train' | 'dev' | 'test';

/** A number in [0, 1) fixed by the string; the salt keeps different uses (split, shuffle) independent. */
export function unitHash(id: string, salt: string): number {
  return parseInt(hashOf(`${salt}:${id}`, 12), 16) / 2 ** 48;
}

/** Which split a source unit goes to, by the hash of its id: the same unit always lands in the same split. */
export function splitOf(unitId: string, fractions: { train: number; dev: number } = { train: 0.8, dev: 0.1 }): SplitName {
  const u = unitHash(unitId, 'split');
  return u < fractions.train ? 'train' : u < fractions.train + fractions.dev ? 'dev' : 'test';
}

/** Orders items by the hash of their key: a fixed shuffle, so "the first N of train" is a fair subsample. */
export function hashShuffle<T>(items: T[], key: (item: T) => string, salt = 'shuffle'): T[] {
  return items
    .map((item) => ({ item, h: unitHash(key(item), salt) }))
    .sort((a, b) => a.h - b.h)
    .map((x) => x.item);
}
