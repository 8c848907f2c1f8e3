// Stable content hashes: key-sorted JSON through SHA-256, so the same config always hashes the same.
import { createHash } from 'node:crypto';

export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function hashOf(value: unknown, length = 16): string {
  const h = createHash('sha256');
  h.update(typeof value === 'string' ? value : stableJson(value));
  return h.digest('hex').slice(0, length);
}
