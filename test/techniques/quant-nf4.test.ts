// NF4 against an independent reconstruction of the QLoRA construction, nearest-level coding, and the block-wise error bound (plain and double-quantized scales).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NF4, NF4_LEVELS, NF4_MAX_HALF_GAP, nf4Code } from '../../techniques/quantization/quant/nf4.js';
import { blockAbsmax, dequantizeBlockwise, quantizeBlockwise } from '../../harness/quant/blockwise.js';
import { dequantizeScales, doubleQuantize } from '../../techniques/quantization/quant/double-quant.js';
import { Rng } from '../../core/rng.js';

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
function probit(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo || p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(p < lo ? p : 1 - p));
    const x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < lo ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

const linspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

function gaussian(rng: Rng, n: number, std = 1): Float32Array {
  return Float32Array.from({ length: n }, () => std * Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()));
}

describe('NF4', () => {
  it('has the QLoRA levels: 8 positive and 7 negative normal quantiles plus an exact zero, normalised to [-1, 1]', () => {
    // QLoRA §3: quantiles of N(0,1) at evenly spaced probabilities, the outermost at δ = ½(1/30 + 1/32) from 0 and 1.
    const offset = 1 - 0.5 * (1 / 30 + 1 / 32);
    const pos = linspace(offset, 0.5, 9).slice(0, -1).map(probit);
    const neg = linspace(offset, 0.5, 8).slice(0, -1).map((p) => -probit(p));
    const v = [...pos, 0, ...neg].sort((x, y) => x - y);
    const ref = v.map((x) => x / Math.max(...v));
    const diff = Math.max(...ref.map((r, i) => Math.abs(r - NF4_LEVELS[i])));
    console.log(`NF4 levels vs the construction: max |diff| = ${diff.toExponential(2)}`);
    assert.ok(diff < 1e-6);
    assert.equal(NF4_LEVELS[7], 0);
    assert.equal(NF4_LEVELS[0], -1);
    assert.equal(NF4_LEVELS[15], 1);
    assert.ok(Math.abs(NF4_MAX_HALF_GAP - (1 - 0.6961928009986877) / 2) < 1e-7); // the widest gap is the negative tail's
  });

  it('codes every value to its nearest level (brute-force reference)', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 5000; i++) {
      const x = i < 16 ? NF4_LEVELS[i] : 2 * rng.next() - 1;
      const c = nf4Code(x);
      const best = Math.min(...Array.from(NF4_LEVELS, (l) => Math.abs(l - x)));
      assert.ok(Math.abs(NF4_LEVELS[c] - x) <= best + 1e-7, `x = ${x}: code ${c}`);
      if (i < 16) assert.equal(c, i);
    }
  });

  it('block-wise: |w − ŵ| ≤ half the widest level gap × the block absmax, and exact at each block extreme', () => {
    const rng = new Rng(5);
    const w = gaussian(rng, 64 * 40 + 17, 0.02); // a ragged last block
    const q = quantizeBlockwise(w, 64, NF4);
    const wh = dequantizeBlockwise(q.codes, q.absmax, 64, NF4.levels);
    let worst = 0;
    for (let i = 0; i < w.length; i++) {
      const am = q.absmax[(i / 64) | 0];
      const err = Math.abs(w[i] - wh[i]);
      worst = Math.max(worst, err / am);
      assert.ok(err <= NF4_MAX_HALF_GAP * am * (1 + 1e-6), `entry ${i}: error ${err} > bound ${NF4_MAX_HALF_GAP * am}`);
      if (Math.abs(w[i]) === am) assert.ok(err <= am * 1e-6, 'the absmax entry maps to ±1 exactly');
    }
    console.log(`NF4 block 64: worst error / absmax = ${worst.toFixed(4)} (bound ${NF4_MAX_HALF_GAP.toFixed(4)})`);
  });

  it('double-quantized scales: |ĉ − c| ≤ block absmax of (c − mean) / 254, and the weight bound grows by at most that', () => {
    const rng = new Rng(9);
    const w = gaussian(rng, 64 * 600, 0.02);
    const q = quantizeBlockwise(w, 64, NF4);
    const dq = doubleQuantize(q.absmax);
    const ch = dequantizeScales(dq);
    const centred = q.absmax.map((c) => c - dq.offset);
    const am2 = blockAbsmax(centred, 256);
    let scaleErr = 0;
    for (let b = 0; b < q.absmax.length; b++) {
      const e = Math.abs(ch[b] - q.absmax[b]);
      scaleErr = Math.max(scaleErr, e / q.absmax[b]);
      assert.ok(e <= am2[(b / 256) | 0] / 254 + 1e-9, `scale ${b}: error ${e}`);
    }
    const wh = dequantizeBlockwise(q.codes, ch, 64, NF4.levels);
    for (let i = 0; i < w.length; i++) {
      const b = (i / 64) | 0;
      const bound = NF4_MAX_HALF_GAP * q.absmax[b] + Math.abs(ch[b] - q.absmax[b]);
      assert.ok(Math.abs(w[i] - wh[i]) <= bound * (1 + 1e-6));
    }
    console.log(`double quantization: worst relative scale error ${scaleErr.toExponential(2)}`);
  });
});
