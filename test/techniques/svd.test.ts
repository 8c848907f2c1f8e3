// SVD accuracy against matrices whose factors are known: orthogonality, reconstruction, singular values, truncation.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { svd, svdArrays } from '../../techniques/shared/svd.js';
import { useBackend } from '../helpers/tiny.js';
import { Rng } from '../../core/rng.js';

/** Row-major Float64 helpers: an independent, explicit reference for what tf would compute. */
type Mat = { rows: number; cols: number; a: Float64Array };
const mat = (rows: number, cols: number, f: (i: number, j: number) => number): Mat => {
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[i * cols + j] = f(i, j);
  return { rows, cols, a };
};
const at = (m: Mat, i: number, j: number) => m.a[i * m.cols + j];
const mul = (x: Mat, y: Mat): Mat => mat(x.rows, y.cols, (i, j) => {
  let s = 0;
  for (let k = 0; k < x.cols; k++) s += at(x, i, k) * at(y, k, j);
  return s;
});
const tr = (m: Mat): Mat => mat(m.cols, m.rows, (i, j) => at(m, j, i));
const fromCols = (cols: Float64Array[], rows: number): Mat => mat(rows, cols.length, (i, j) => cols[j][i]);
const maxDiff = (x: Mat, y: Mat) => x.a.reduce((d, v, i) => Math.max(d, Math.abs(v - y.a[i])), 0);
const eye = (n: number) => mat(n, n, (i, j) => (i === j ? 1 : 0));

/** An orthonormal rows × k matrix: Gram–Schmidt on random columns. */
function orthonormal(rows: number, k: number, rng: Rng): Float64Array[] {
  const out: Float64Array[] = [];
  while (out.length < k) {
    const v = Float64Array.from({ length: rows }, () => rng.next() * 2 - 1);
    for (let pass = 0; pass < 2; pass++) {
      for (const w of out) {
        const c = v.reduce((s, x, i) => s + x * w[i], 0);
        for (let i = 0; i < rows; i++) v[i] -= c * w[i];
      }
    }
    const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    out.push(v.map((x) => x / n));
  }
  return out;
}

/** U diag(S) Vᵀ from known factors. */
function build(rows: number, cols: number, S: number[], rng: Rng): Mat {
  const U = fromCols(orthonormal(rows, S.length, rng), rows);
  const V = fromCols(orthonormal(cols, S.length, rng), cols);
  return mul(mat(rows, S.length, (i, j) => at(U, i, j) * S[j]), tr(V));
}

function check(m: Mat, rank: number | undefined, label: string) {
  const r = svdArrays(m.a, m.rows, m.cols, rank);
  const k = r.S.length;
  const U = fromCols(r.U, m.rows);
  const V = fromCols(r.V, m.cols);
  const orthoU = maxDiff(mul(tr(U), U), eye(k));
  const orthoV = maxDiff(mul(tr(V), V), eye(k));
  const recon = maxDiff(mul(mat(m.rows, k, (i, j) => at(U, i, j) * r.S[j]), tr(V)), m);
  console.log(`${label}: max |UᵀU−I| ${orthoU.toExponential(2)}, max |VᵀV−I| ${orthoV.toExponential(2)}, max |U S Vᵀ − M| ${recon.toExponential(2)}`);
  for (let i = 1; i < k; i++) assert.ok(r.S[i] <= r.S[i - 1], `${label}: S not descending`);
  assert.ok(orthoU < 1e-10 && orthoV < 1e-10, `${label}: factors not orthonormal`);
  return { r, recon };
}

describe('svd (one-sided Jacobi)', () => {
  before(useBackend);

  it('finds the textbook singular values 5 and 3 of [[3,2,2],[2,3,−2]]', () => {
    const m = mat(2, 3, (i, j) => [[3, 2, 2], [2, 3, -2]][i][j]);
    const { r, recon } = check(m, undefined, '2×3 textbook');
    const d = Math.max(Math.abs(r.S[0] - 5), Math.abs(r.S[1] - 3));
    console.log(`  max |S − [5,3]| ${d.toExponential(2)}`);
    assert.ok(d < 1e-12 && recon < 1e-12);
  });

  for (const [rows, cols] of [[40, 12], [12, 40], [24, 24]] as const) {
    it(`recovers constructed singular values of a ${rows}×${cols} matrix and reconstructs it`, () => {
      const rng = new Rng(rows * 100 + cols);
      const k = Math.min(rows, cols);
      const S = Array.from({ length: k }, (_, i) => 10 / (i + 1) + 0.01); // distinct, decaying, condition ~ 10³
      const m = build(rows, cols, S, rng);
      const { r, recon } = check(m, undefined, `${rows}×${cols}`);
      const d = S.reduce((e, s, i) => Math.max(e, Math.abs(r.S[i] - s)), 0);
      console.log(`  max |S − S_true| ${d.toExponential(2)}`);
      assert.ok(d < 1e-10 && recon < 1e-10);
    });
  }

  it('handles a rank-deficient matrix: zero tail, still orthonormal factors', () => {
    const rng = new Rng(3);
    const m = build(30, 10, [4, 2, 1], rng); // rank 3 of 10
    const { r, recon } = check(m, undefined, '30×10 rank 3');
    const d = Math.max(Math.abs(r.S[0] - 4), Math.abs(r.S[1] - 2), Math.abs(r.S[2] - 1), ...Array.from(r.S.slice(3)));
    console.log(`  max |S − [4,2,1,0…]| ${d.toExponential(2)}`);
    assert.ok(d < 1e-10 && recon < 1e-10);
  });

  it('handles the zero matrix', () => {
    const { r, recon } = check(mat(5, 3, () => 0), 2, '5×3 zero');
    assert.deepEqual(Array.from(r.S), [0, 0]);
    assert.equal(recon, 0);
  });

  it('truncates to the best rank-k approximation (Eckart–Young error)', () => {
    const rng = new Rng(9);
    const S = [9, 7, 5, 3, 2, 1, 0.5, 0.25];
    const m = build(20, 16, S, rng);
    const { r, recon } = check(m, 3, '20×16 rank-3 truncation');
    assert.equal(r.S.length, 3);
    // The spectral-norm error of the best rank-3 approximation is S[3]; its max entry cannot exceed that.
    assert.ok(recon <= S[3] + 1e-9 && recon > 0.1);
    const fro = Math.sqrt(S.slice(3).reduce((s, x) => s + x * x, 0));
    const k = 3;
    const approx = mul(mat(20, k, (i, j) => r.U[j][i] * r.S[j]), tr(fromCols(r.V, 16)));
    const err = Math.sqrt(approx.a.reduce((s, v, i) => s + (v - m.a[i]) ** 2, 0));
    console.log(`  Frobenius error ${err.toFixed(12)} vs √Σ tail S² ${fro.toFixed(12)}`);
    assert.ok(Math.abs(err - fro) < 1e-9);
  });

  it('works on tensors: float32 round trip within 1e-5', () => {
    const rng = new Rng(11);
    const m = build(32, 48, Array.from({ length: 32 }, (_, i) => 1 + i / 8), rng);
    const t = tf.tensor2d(Float32Array.from(m.a), [32, 48]);
    const { U, S, V } = svd(t, 32);
    assert.deepEqual([U.shape, S.shape, V.shape], [[32, 32], [32], [48, 32]]);
    const back = tf.tidy(() => tf.matMul(tf.mul(U, S), V, false, true));
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(back, t))).dataSync()[0]);
    console.log(`tensor 32×48: max |U S Vᵀ − M| ${d.toExponential(2)}`);
    assert.ok(d < 1e-5);
    tf.dispose([t, U, S, V, back]);
    assert.throws(() => svd(tf.zeros([2, 2]) as tf.Tensor2D, 0), /rank/);
  });
});
