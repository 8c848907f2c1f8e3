// BatchMatMul and _FusedMatMul (bias, no activation) on WebGPU as one tiled kernel of ftbench's own, in fp32 or, when
// the trial's precision is 'mixed', with f16 products (harness/backend/precision.ts). A workgroup of 16×16 threads
// computes a 64×64 output tile, each thread 4×4 of it (rows l.y + 16r, columns l.x + 16c: broadcast reads of A's tile
// and consecutive ones of B's); K advances 16 at a time through workgroup memory. Transposes are strides, not copies.
// In mixed precision each 16-long row of A's tile and column of B's is scaled by a power of two that brings its
// largest magnitude into [16, 32) before rounding to f16 (so small gradients do not flush to zero, and 16 products
// of at most 32·32 stay below f16's 65504), multiplied and summed in f16 across the 16, then unscaled into f32.
import * as tf from '@tensorflow/tfjs';
import { bindings, launch, output } from '../runner.js';

const T = 64; // output tile side
const TK = 16; // depth of one step through K

type Info = tf.TensorInfo;

const matmulCode = (mixed: boolean, bias: boolean) => /* wgsl */ `
${mixed ? 'enable f16;' : ''}
${bindings(['y'], bias ? ['a', 'b', 'bias'] : ['a', 'b'], 'M: u32, N: u32, K: u32, asb: u32, asi: u32, ask: u32, bsb: u32, bsk: u32, bsj: u32')}
const T: u32 = ${T}u;
const TK: u32 = ${TK}u;
var<workgroup> As: array<${mixed ? 'f16' : 'f32'}, ${T * TK}>; // [k][i]
var<workgroup> Bs: array<${mixed ? 'f16' : 'f32'}, ${T * TK}>; // [k][j]
${mixed ? `var<workgroup> sa: array<f32, ${T}>; // each tile row's and column's scale back
var<workgroup> sb: array<f32, ${T}>;` : ''}

// Loads one row of A's tile (line < T) or one column of B's (line ≥ T): 16 values by one thread.
fn loadLine(line: u32, i0: u32, j0: u32, k0: u32, ab: u32, bb: u32) {
  var v: array<f32, ${TK}>;
  var mx = 0.0;
  let isA = line < T;
  let r = select(line - T, line, isA);
  for (var kk = 0u; kk < TK; kk++) {
    let k = k0 + kk;
    var x = 0.0;
    if (isA) {
      if (i0 + r < u.M && k < u.K) { x = a[ab + (i0 + r) * u.asi + k * u.ask]; }
    } else {
      if (j0 + r < u.N && k < u.K) { x = b[bb + k * u.bsk + (j0 + r) * u.bsj]; }
    }
    v[kk] = x;
    mx = max(mx, abs(x));
  }
  ${mixed ? `let sh = clamp(5 - frexp(mx).exp, -120, 120); // largest magnitude into [16, 32)
  if (isA) { sa[r] = ldexp(1.0, -sh); } else { sb[r] = ldexp(1.0, -sh); }` : ''}
  for (var kk = 0u; kk < TK; kk++) {
    let x = ${mixed ? 'f16(ldexp(v[kk], sh))' : 'v[kk]'};
    if (isA) { As[kk * T + r] = x; } else { Bs[kk * T + r] = x; }
  }
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) w: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i0 = w.y * T;
  let j0 = w.x * T;
  let ab = w.z * u.asb;
  let bb = w.z * u.bsb;
  var acc: array<vec4<f32>, 4>; // acc[r][c]: output row i0 + l.y + 16r, column j0 + l.x + 16c
  for (var k0 = 0u; k0 < u.K; k0 += TK) {
    if (lid < 2u * T) { loadLine(lid, i0, j0, k0, ab, bb); }
    workgroupBarrier();
    ${mixed ? `var p = array<vec4<f16>, 4>(); // zeroed explicitly: lavapipe kept the last tile's sums for a bare \`var p\`
    for (var kk = 0u; kk < TK; kk++) {
      let o = kk * T;
      let av = vec4<f16>(As[o + l.y], As[o + l.y + 16u], As[o + l.y + 32u], As[o + l.y + 48u]);
      let bv = vec4<f16>(Bs[o + l.x], Bs[o + l.x + 16u], Bs[o + l.x + 32u], Bs[o + l.x + 48u]);
      p[0] += av.x * bv; p[1] += av.y * bv; p[2] += av.z * bv; p[3] += av.w * bv;
    }
    let sbv = vec4<f32>(sb[l.x], sb[l.x + 16u], sb[l.x + 32u], sb[l.x + 48u]);
    for (var r = 0u; r < 4u; r++) { acc[r] += vec4<f32>(p[r]) * (sa[l.y + 16u * r] * sbv); }` : `for (var kk = 0u; kk < TK; kk++) {
      let o = kk * T;
      let av = vec4<f32>(As[o + l.y], As[o + l.y + 16u], As[o + l.y + 32u], As[o + l.y + 48u]);
      let bv = vec4<f32>(Bs[o + l.x], Bs[o + l.x + 16u], Bs[o + l.x + 32u], Bs[o + l.x + 48u]);
      acc[0] += av.x * bv; acc[1] += av.y * bv; acc[2] += av.z * bv; acc[3] += av.w * bv;
    }`}
    workgroupBarrier();
  }
  for (var r = 0u; r < 4u; r++) {
    let i = i0 + l.y + 16u * r;
    if (i >= u.M) { continue; }
    for (var c = 0u; c < 4u; c++) {
      let j = j0 + l.x + 16u * c;
      if (j < u.N) { y[(w.z * u.M + i) * u.N + j] = acc[r][c]${bias ? ' + bias[j]' : ''}; }
    }
  }
}`;

export interface MatmulArgs { a: Info; b: Info; transposeA: boolean; transposeB: boolean; bias?: Info | null; mixed: boolean }

/** The output shape when this kernel can compute a·b (+ bias), else null (the caller takes tfjs's kernel). */
export function matmulShape({ a, b, transposeA, transposeB, bias }: MatmulArgs): number[] | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length, rb = b.shape.length;
  const [M, K] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const [K2, N] = transposeB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
  if (K !== K2) return null;
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const batchA = tf.util.sizeFromShape(outerA), batchB = tf.util.sizeFromShape(outerB);
  // One operand's batch broadcast whole (size 1), or equal batches; partial broadcasts go to tfjs.
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  if (bias && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== N || bias.shape[bias.shape.length - 1] !== N)) return null;
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null;
  }
  return [...outer, M, N];
}

/** y = a·b (+ bias) by the tiled kernel; `shape` from matmulShape. */
export function matmulWebgpu(backend: unknown, args: MatmulArgs, shape: number[]): Info {
  const { a, b, transposeA, transposeB, bias, mixed } = args;
  const ra = a.shape.length, rb = b.shape.length;
  const M = shape[shape.length - 2], N = shape[shape.length - 1];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const batch = tf.util.sizeFromShape(shape.slice(0, -2));
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2)), batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const y = output(backend, shape);
  if (M * N * batch === 0) return y;
  const [asi, ask] = transposeA ? [1, M] : [K, 1];
  const [bsk, bsj] = transposeB ? [1, K] : [N, 1];
  launch(backend, {
    code: matmulCode(mixed, bias != null), outputs: [y], inputs: bias ? [a, b, bias] : [a, b],
    uniforms: { u32: [M, N, K, batchA === 1 ? 0 : M * K, asi, ask, batchB === 1 ? 0 : K * N, bsk, bsj] },
    groups: [Math.ceil(N / T), Math.ceil(M / T), batch],
  });
  return y;
}
