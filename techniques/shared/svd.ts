// Thin/truncated SVD, m ≈ U diag(S) Vᵀ, by one-sided Jacobi (Hestenes) in Float64: exact to rounding for our small matrices.
import * as tf from '@tensorflow/tfjs';

export interface Svd {
  U: tf.Tensor2D; // [rows, k], orthonormal columns
  S: tf.Tensor1D; // [k], descending, ≥ 0
  V: tf.Tensor2D; // [cols, k], orthonormal columns
}

/** Plain-array result: column-major factors (U[j] is the j-th left singular vector). */
export interface SvdArrays {
  U: Float64Array[];
  S: Float64Array;
  V: Float64Array[];
}

const EPS = 2.220446049250313e-16;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Replaces columns (a, b) by (c·a − s·b, s·a + c·b). */
function rotate(a: Float64Array, b: Float64Array, c: number, s: number): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    a[i] = c * x - s * y;
    b[i] = s * x + c * y;
  }
}

/**
 * One-sided Jacobi on the columns of a tall matrix (rows ≥ cols): rotate column pairs until all are mutually
 * orthogonal; then A V = U diag(S) with S the column norms. Converges quadratically; each sweep is O(rows·cols²).
 */
function jacobiTall(cols: Float64Array[], rows: number): SvdArrays {
  const n = cols.length;
  const V = Array.from({ length: n }, (_, j) => {
    const v = new Float64Array(n);
    v[j] = 1;
    return v;
  });
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const alpha = dot(cols[p], cols[p]);
        const beta = dot(cols[q], cols[q]);
        const gamma = dot(cols[p], cols[q]);
        if (gamma === 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // The rotation angle θ that zeroes the (p,q) entry of AᵀA: t = tan θ, the smaller root of t² + 2ζt − 1 = 0.
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(cols[p], cols[q], c, s);
        rotate(V[p], V[q], c, s);
      }
    }
    if (!rotated) break;
  }
  const S = Float64Array.from(cols, (c) => Math.sqrt(dot(c, c)));
  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => S[b] - S[a]);
  const sMax = S[order[0]] ?? 0;
  const U: Float64Array[] = [];
  const Ssorted = new Float64Array(n);
  order.forEach((j, k) => {
    Ssorted[k] = S[j];
    // Columns with a (numerically) zero norm carry no direction; completeBasis fills them with orthonormal ones.
    U.push(S[j] > sMax * rows * EPS && S[j] > 0 ? cols[j].map((x) => x / S[j]) : new Float64Array(rows));
  });
  completeBasis(U, rows);
  return { U, S: Ssorted, V: order.map((j) => V[j]) };
}

/** Gives every zero column of U a unit vector orthogonal to the others (Gram–Schmidt on the standard basis). */
function completeBasis(U: Float64Array[], rows: number): void {
  let e = 0;
  for (let k = 0; k < U.length; k++) {
    if (dot(U[k], U[k]) > 0) continue;
    for (; e < rows; e++) {
      const u = new Float64Array(rows);
      u[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (const w of U) {
          const c = dot(u, w);
          if (c !== 0) for (let i = 0; i < rows; i++) u[i] -= c * w[i];
        }
      }
      const nrm = Math.sqrt(dot(u, u));
      if (nrm > 1e-6) {
        U[k] = u.map((x) => x / nrm);
        e++;
        break;
      }
    }
  }
}

/** SVD of a row-major rows × cols matrix, truncated to `rank` triplets (all min(rows, cols) when omitted). */
export function svdArrays(data: ArrayLike<number>, rows: number, cols: number, rank?: number): SvdArrays {
  const tall = rows >= cols;
  // Work on the tall orientation: for a wide matrix, Aᵀ = V S Uᵀ, so the roles of U and V swap.
  const [r, c] = tall ? [rows, cols] : [cols, rows];
  const columns = Array.from({ length: c }, (_, j) => {
    const col = new Float64Array(r);
    for (let i = 0; i < r; i++) col[i] = tall ? data[i * cols + j] : data[j * cols + i];
    return col;
  });
  const full = jacobiTall(columns, r);
  const res = tall ? full : { U: full.V, S: full.S, V: full.U };
  const k = Math.min(rank ?? c, c);
  return { U: res.U.slice(0, k), S: res.S.slice(0, k), V: res.V.slice(0, k) };
}

function fromColumns(cols: Float64Array[], rows: number): tf.Tensor2D {
  const out = new Float32Array(rows * cols.length);
  cols.forEach((col, j) => col.forEach((x, i) => (out[i * cols.length + j] = x)));
  return tf.tensor2d(out, [rows, cols.length]);
}

/** Thin (or rank-`rank` truncated) SVD of m: m ≈ U diag(S) Vᵀ with S descending. The caller disposes U, S, V. */
export function svd(m: tf.Tensor2D, rank?: number): Svd {
  const [rows, cols] = m.shape;
  if (rank !== undefined && !(Number.isInteger(rank) && rank > 0)) throw new Error(`svd: rank must be a positive integer, got ${rank}.`);
  const r = svdArrays(m.dataSync(), rows, cols, rank);
  return { U: fromColumns(r.U, rows), S: tf.tensor1d(Float32Array.from(r.S)), V: fromColumns(r.V, cols) };
}
