// Shape logic shared by the native BatchMatMul and _FusedMatMul kernels: output shape and per-batch operand indices.
import * as tf from '@tensorflow/tfjs';

export interface MatMulPlan {
  outShape: number[];
  batch: number;
  m: number;
  n: number;
  k: number;
  aIdx: Int32Array;  // which batch of a feeds output batch i (broadcasting)
  bIdx: Int32Array;
}

// Index arrays depend only on the two batch shapes; training repeats the same few shapes every step.
const indexCache = new Map<string, [Int32Array, Int32Array, number[]]>();

function batchIndices(aOuter: number[], bOuter: number[]): [Int32Array, Int32Array, number[]] {
  const key = `${aOuter}|${bOuter}`;
  const hit = indexCache.get(key);
  if (hit) return hit;
  const outOuter = tf.backend_util.assertAndGetBroadcastShape(aOuter, bOuter);
  const batch = outOuter.reduce((p, s) => p * s, 1);
  const aIdx = new Int32Array(batch), bIdx = new Int32Array(batch);
  const rank = outOuter.length;
  const coord = new Array<number>(rank).fill(0);
  for (let i = 0; i < batch; i++) {
    let r = i;
    for (let d = rank - 1; d >= 0; d--) { coord[d] = r % outOuter[d]; r = Math.floor(r / outOuter[d]); }
    aIdx[i] = flatIndex(coord, aOuter);
    bIdx[i] = flatIndex(coord, bOuter);
  }
  const entry: [Int32Array, Int32Array, number[]] = [aIdx, bIdx, outOuter];
  if (indexCache.size > 256) indexCache.clear();
  indexCache.set(key, entry);
  return entry;
}

// Flat index into a (right-aligned, possibly lower-rank) shape, size-1 dims broadcast.
function flatIndex(coord: number[], shape: number[]): number {
  const off = coord.length - shape.length;
  let idx = 0;
  for (let d = 0; d < shape.length; d++) idx = idx * shape[d] + (shape[d] === 1 ? 0 : coord[d + off]);
  return idx;
}

export function planMatMul(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): MatMulPlan {
  const ar = aShape.length, br = bShape.length;
  const k = transposeA ? aShape[ar - 2] : aShape[ar - 1];
  const kb = transposeB ? bShape[br - 1] : bShape[br - 2];
  const m = transposeA ? aShape[ar - 1] : aShape[ar - 2];
  const n = transposeB ? bShape[br - 2] : bShape[br - 1];
  if (k !== kb) {
    throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${aShape} and ${bShape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const [aIdx, bIdx, outOuter] = batchIndices(aShape.slice(0, -2), bShape.slice(0, -2));
  return { outShape: [...outOuter, m, n], batch: aIdx.length, m, n, k, aIdx, bIdx };
}
