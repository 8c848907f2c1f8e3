// Converts between JS values and DuckDB values at the store's edge: Dates in, plain numbers out.
import { timestampValue, type DuckDBValue } from '@duckdb/node-api';

/** A JS Date as a DuckDB TIMESTAMP (UTC, microseconds). */
export function ts(d: Date): DuckDBValue {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) throw new TypeError('invalid Date');
  return timestampValue(BigInt(Math.round(ms)) * 1000n);
}

/** Integer meters: a non-finite value means "not measured" and is stored as NULL. */
export function int(n: number | null | undefined): DuckDBValue {
  return n == null || !Number.isFinite(n) ? null : Math.round(n);
}

/** Double meters: NaN/Inf are kept out of aggregates by storing NULL. */
export function dbl(n: number | null | undefined): DuckDBValue {
  return n == null || !Number.isFinite(n) ? null : n;
}

/**
 * Measured values (losses, metric values) keep NaN and ±Inf, because a NaN loss is the reason
 * a trial failed and the report should be able to show it.
 */
export function raw(n: number): DuckDBValue {
  return n;
}

/** DuckDB JS rows hold bigint for BIGINT/HUGEINT; callers want numbers wherever they are exact. */
export function toPlain(v: unknown): unknown {
  if (typeof v === 'bigint') {
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
  }
  if (Array.isArray(v)) return v.map(toPlain);
  if (v && typeof v === 'object' && !(v instanceof Date) && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  }
  return v;
}
