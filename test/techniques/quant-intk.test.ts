// INT-k (k = 2, 3, 4, 8), symmetric and asymmetric, per channel and per group: nearest grid point (brute force) and |w − ŵ| ≤ s/2.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INT_BITS, dequantizeIntK, qmaxOf, quantizeIntK, type IntBits } from '../../techniques/quantization/quant/intk.js';
import { Rng } from '../../core/rng.js';

const D_IN = 24;
const D_OUT = 5;

function weights(seed: number): Float32Array {
  const rng = new Rng(seed);
  // Column j is shifted by j·0.01 so asymmetric grids have something to gain over symmetric ones.
  return Float32Array.from({ length: D_IN * D_OUT }, (_, i) => (rng.next() - 0.5) * 0.1 + (i % D_OUT) * 0.01);
}

describe('INT-k', () => {
  for (const bits of INT_BITS as readonly IntBits[]) {
    for (const symmetric of [true, false]) {
      for (const group of [0, 8]) {
        it(`${bits}-bit ${symmetric ? 'symmetric' : 'asymmetric'} ${group ? `group ${group}` : 'per channel'}: nearest grid point, |err| ≤ s/2`, () => {
          const w = weights(bits * 10 + group + (symmetric ? 1 : 0));
          const q = quantizeIntK(w, D_IN, D_OUT, { bits, group, symmetric });
          const wh = dequantizeIntK(q);
          const g = group || D_IN;
          const top = symmetric ? 2 * qmaxOf(bits) : 2 ** bits - 1;
          let worst = 0;
          for (let i = 0; i < D_IN; i++) {
            for (let j = 0; j < D_OUT; j++) {
              const k = ((i / g) | 0) * D_OUT + j;
              const s = q.scale[k];
              const z = q.zero ? q.zero[k] : qmaxOf(bits);
              const code = q.codes[i * D_OUT + j];
              assert.ok(code >= 0 && code <= top);
              const err = Math.abs(w[i * D_OUT + j] - wh[i * D_OUT + j]);
              worst = Math.max(worst, err / s);
              assert.ok(err <= s * (0.5 + 1e-4), `(${i},${j}): error ${err} > s/2 = ${s / 2}`);
              // Independent reference: the best of every grid point s·(n − z), n = 0..top.
              let best = Infinity;
              for (let n = 0; n <= top; n++) best = Math.min(best, Math.abs(w[i * D_OUT + j] - s * (n - z)));
              assert.ok(err <= best + s * 1e-4, `(${i},${j}) is not on its nearest grid point`); // slack: float32 rounding of q − z and s
            }
          }
          assert.ok(worst > 0.2, 'the bound is tight enough to mean something');
          if (!symmetric) {
            // Min-max calibration: each group's extremes land on codes 0 and 2^k − 1.
            for (let t = 0; t < D_IN / g; t++) {
              for (let j = 0; j < D_OUT; j++) {
                const cs = Array.from({ length: g }, (_, r) => q.codes[(t * g + r) * D_OUT + j]);
                assert.equal(Math.min(...cs), 0);
                assert.equal(Math.max(...cs), top);
              }
            }
          }
        });
      }
    }
  }

  it('a constant or all-zero group is represented exactly', () => {
    const w = new Float32Array(D_IN * D_OUT).fill(0.25);
    for (let i = 0; i < D_IN; i++) w[i * D_OUT] = 0;
    for (const symmetric of [true, false]) {
      const wh = dequantizeIntK(quantizeIntK(w, D_IN, D_OUT, { bits: 4, group: 0, symmetric }));
      wh.forEach((v, i) => assert.ok(Math.abs(v - w[i]) < 1e-6));
    }
  });

  it('rejects a group size that does not divide d_in', () => {
    assert.throws(() => quantizeIntK(weights(1), D_IN, D_OUT, { bits: 4, group: 7, symmetric: true }), /group size 7/);
  });
});
