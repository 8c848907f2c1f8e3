// Fused attention on WebGPU: forward in one dispatch (a workgroup per query row: scores, mask, softmax and ·V with
// the score row in workgroup memory, only the row's log-sum-exp saved), backward in four (D = Σ dy·out per row, then
// dq per query row and dk, dv per key row, each recomputing its probabilities from the saved log-sum-exp, as
// FlashAttention does). tfjs's plain-op form takes 5 dispatches forward and about 8 backward and writes the
// [B,H,T,S] score and probability tensors to memory.
import * as tf from '@tensorflow/tfjs';
import { ATTENTION, ATTENTION_D, ATTENTION_GRAD, ATTENTION_MAX_LEN } from '../../ops/attention.js';
import { GROUP_INDEX, WG, bindings, grid, launch, output } from '../runner.js';
import { RW, WORKGROUP_REDUCE } from './reduce.js';

const U = 'B: u32, H: u32, T: u32, S: u32, hd: u32, sb: u32, sh: u32, st: u32, ss: u32, scale: f32';
const SHARED = /* wgsl */ `
${WORKGROUP_REDUCE}
${GROUP_INDEX}
var<workgroup> c: array<f32, ${ATTENTION_MAX_LEN}>; // one coefficient per key (or query) of the row
var<workgroup> va: array<f32, 256>; // the row's own vectors (head size ≤ 256)
var<workgroup> vb: array<f32, 256>;
fn biasAt(bh: u32, i: u32, j: u32) -> f32 { return bias[(bh / u.H) * u.sb + (bh % u.H) * u.sh + i * u.st + j * u.ss]; }`;
const ARGS = '@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>, @builtin(local_invocation_index) lid: u32';

const FORWARD = /* wgsl */ `
${bindings(['o', 'lse'], ['q', 'k', 'v', 'bias'], U)}
${SHARED}
@compute @workgroup_size(${RW})
fn main(${ARGS}) {
  let row = min(groupIndex(w, n), u.B * u.H * u.T - 1u);
  let i = row % u.T;
  let bh = row / u.T;
  let qo = row * u.hd;
  let ko = bh * u.S * u.hd;
  for (var d = lid; d < u.hd; d += RW) { va[d] = q[qo + d] * u.scale; }
  workgroupBarrier();
  var m = -3.4e38;
  for (var j = lid; j < u.S; j += RW) {
    var s = 0.0;
    for (var d = 0u; d < u.hd; d++) { s += va[d] * k[ko + j * u.hd + d]; }
    s += biasAt(bh, i, j);
    c[j] = s;
    m = max(m, s);
  }
  m = wgMax(m, lid);
  var z = 0.0;
  for (var j = lid; j < u.S; j += RW) { let e = exp(c[j] - m); c[j] = e; z += e; }
  z = wgSum(z, lid); // its barriers also publish c
  for (var d = lid; d < u.hd; d += RW) {
    var acc = 0.0;
    for (var j = 0u; j < u.S; j++) { acc += c[j] * v[ko + j * u.hd + d]; }
    o[qo + d] = acc / z;
  }
  if (lid == 0u) { lse[row] = m + log(z); }
}`;

// D[row] = Σ_d dy·out: one thread per query row.
const D_CODE = /* wgsl */ `
${bindings(['D'], ['dy', 'o'], 'rows: u32, hd: u32')}
${GROUP_INDEX}
@compute @workgroup_size(${WG})
fn main(${ARGS}) {
  let row = groupIndex(w, n) * ${WG}u + lid;
  if (row >= u.rows) { return; }
  var s = 0.0;
  for (var d = 0u; d < u.hd; d++) { s += dy[row * u.hd + d] * o[row * u.hd + d]; }
  D[row] = s;
}`;

// dq_i = scale · Σ_j p_ij (dy_i·v_j − D_i) k_j: a workgroup per query row.
const GRAD_Q = /* wgsl */ `
${bindings(['dq'], ['q', 'k', 'v', 'bias', 'lse', 'dy', 'D'], U)}
${SHARED}
@compute @workgroup_size(${RW})
fn main(${ARGS}) {
  let row = min(groupIndex(w, n), u.B * u.H * u.T - 1u);
  let i = row % u.T;
  let bh = row / u.T;
  let qo = row * u.hd;
  let ko = bh * u.S * u.hd;
  for (var d = lid; d < u.hd; d += RW) { va[d] = q[qo + d] * u.scale; vb[d] = dy[qo + d]; }
  workgroupBarrier();
  let l = lse[row];
  let Di = D[row];
  for (var j = lid; j < u.S; j += RW) {
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < u.hd; d++) { s += va[d] * k[ko + j * u.hd + d]; dp += vb[d] * v[ko + j * u.hd + d]; }
    c[j] = exp(s + biasAt(bh, i, j) - l) * (dp - Di);
  }
  workgroupBarrier();
  for (var d = lid; d < u.hd; d += RW) {
    var acc = 0.0;
    for (var j = 0u; j < u.S; j++) { acc += c[j] * k[ko + j * u.hd + d]; }
    dq[qo + d] = acc * u.scale;
  }
}`;

// dk_j = scale · Σ_i p_ij (dy_i·v_j − D_i) q_i, dv_j = Σ_i p_ij dy_i: a workgroup per key row.
const gradKV = (part: 1 | 2) => /* wgsl */ `
${bindings([part === 1 ? 'dk' : 'dv'], ['q', 'k', 'v', 'bias', 'lse', 'dy', 'D'], U)}
${SHARED}
@compute @workgroup_size(${RW})
fn main(${ARGS}) {
  let row = min(groupIndex(w, n), u.B * u.H * u.S - 1u);
  let j = row % u.S;
  let bh = row / u.S;
  let ko = row * u.hd;
  let qo = bh * u.T * u.hd;
  for (var d = lid; d < u.hd; d += RW) { va[d] = k[ko + d]; vb[d] = v[ko + d]; }
  workgroupBarrier();
  for (var i = lid; i < u.T; i += RW) {
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < u.hd; d++) { s += q[qo + i * u.hd + d] * u.scale * va[d]; dp += dy[qo + i * u.hd + d] * vb[d]; }
    let p = exp(s + biasAt(bh, i, j) - lse[bh * u.T + i]);
    c[i] = ${part === 1 ? 'p * (dp - D[bh * u.T + i])' : 'p'};
  }
  workgroupBarrier();
  for (var d = lid; d < u.hd; d += RW) {
    var acc = 0.0;
    for (var i = 0u; i < u.T; i++) { acc += c[i] * ${part === 1 ? 'q' : 'dy'}[qo + i * u.hd + d]; }
    ${part === 1 ? 'dk[ko + d] = acc * u.scale;' : 'dv[ko + d] = acc;'}
  }
}`;
const GRADS = [GRAD_Q, gradKV(1), gradKV(2)];

type Info = tf.TensorInfo;

function uniforms(q: Info, k: Info, bias: Info): { u32: number[]; f32: number[] } {
  const [B, H, T, hd] = q.shape, S = k.shape[2];
  const [b0, b1, b2, b3] = bias.shape;
  // Broadcast dimensions (size 1) get stride 0.
  const st = [b1 * b2 * b3, b2 * b3, b3, 1].map((s, d) => (bias.shape[d] === 1 ? 0 : s));
  if ((b0 !== 1 && b0 !== B) || (b1 !== 1 && b1 !== H) || (b2 !== 1 && b2 !== T) || (b3 !== 1 && b3 !== S)) {
    throw new Error(`attention: bias of shape [${bias.shape}] does not broadcast to [${B},${H},${T},${S}]`);
  }
  return { u32: [B, H, T, S, hd, ...st], f32: [1 / Math.sqrt(hd)] };
}

export const attentionWebgpu: tf.KernelConfig[] = [
  {
    kernelName: ATTENTION,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { q, k, v, bias } = inputs as Record<string, Info>;
      const [B, H, T] = q.shape;
      const o = output(backend, q.shape), lse = output(backend, [B, H, T]);
      launch(backend, { code: FORWARD, outputs: [o, lse], inputs: [q, k, v, bias], uniforms: uniforms(q, k, bias), groups: grid(B * H * T) });
      return [o, lse];
    },
  },
  {
    kernelName: ATTENTION_D,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, out } = inputs as Record<string, Info>;
      const hd = out.shape[3], rows = tf.util.sizeFromShape(out.shape) / hd;
      const D = output(backend, out.shape.slice(0, 3));
      launch(backend, { code: D_CODE, outputs: [D], inputs: [dy, out], uniforms: { u32: [rows, hd] }, groups: grid(Math.ceil(rows / WG)) });
      return D;
    },
  },
  {
    kernelName: ATTENTION_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { q, k, v, bias, lse, dy, D } = inputs as Record<string, Info>;
      const part = (attrs as unknown as { part: 0 | 1 | 2 }).part;
      const [B, H, T] = q.shape, S = k.shape[2];
      const out = output(backend, part === 0 ? q.shape : part === 1 ? k.shape : v.shape);
      launch(backend, { code: GRADS[part], outputs: [out], inputs: [q, k, v, bias, lse, dy, D], uniforms: uniforms(q, k, bias), groups: grid(B * H * (part === 0 ? T : S)) });
      return out;
    },
  },
];
