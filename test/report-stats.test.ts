// Tests the report's statistics against values computed by hand or by standard tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ci95, mcnemarExact, mean, pairedBootstrap, std } from '../reports/stats.js';

const close = (a: number, b: number, tol = 1e-3) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('mean, sample std and the t-based 95% CI', () => {
  close(mean([1, 2, 3, 4]), 2.5);
  close(std([2, 4, 4, 4, 5, 5, 7, 9]), 2.138);            // sample (n − 1) std
  assert.ok(Number.isNaN(std([1])));
  const [lo, hi] = ci95([10, 12, 14])!;                    // mean 12, s = 2, t(2) = 4.303
  close(lo, 12 - (4.303 * 2) / Math.sqrt(3));
  close(hi, 12 + (4.303 * 2) / Math.sqrt(3));
  assert.equal(ci95([5]), null);
});

test("McNemar's exact test matches the binomial tail", () => {
  // b = 10, c = 2: 2·P(X ≤ 2 | n = 12, p = ½) = 2·79/4096.
  close(mcnemarExact(10, 2), (2 * 79) / 4096, 1e-9);
  close(mcnemarExact(2, 10), (2 * 79) / 4096, 1e-9);
  assert.equal(mcnemarExact(5, 5), 1);
  assert.equal(mcnemarExact(0, 0), 1);
  assert.ok(mcnemarExact(5000, 4000) < 1e-20);             // large n stays finite and fast
});

test('paired bootstrap: an interval around the mean difference, seeded and reproducible', () => {
  const diffs = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 1 : 0));   // mean 0.25
  const a = pairedBootstrap(diffs);
  close(a.mean, 0.25);
  assert.ok(a.lo < 0.25 && a.hi > 0.25 && a.lo > 0.15 && a.hi < 0.35, `[${a.lo}, ${a.hi}]`);
  assert.ok(a.p < 0.001);
  assert.deepEqual(pairedBootstrap(diffs), a);
  const zero = pairedBootstrap(Array.from({ length: 400 }, (_, i) => (i % 2 ? 1 : -1)));
  assert.ok(zero.p > 0.5, `p = ${zero.p}`);
});
