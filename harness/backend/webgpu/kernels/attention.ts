// Fused attention on WebGPU, tiled as FlashAttention is: a workgroup of BR threads takes BR query rows of one
// (batch, head), a thread per row, and walks the keys BC at a time through workgroup memory (each K/V tile read once
// for BR rows), keeping its row's running max, sum and output in registers (online softmax): the [B,H,T,S] scores
// never exist. Forward saves each row's log-sum-exp; the backward is D = Σ dy·out per row, then dq (a thread per query
// row, walking key tiles) and dk, dv (a thread per key row, walking query tiles), each recomputing its probabilities
// from the log-sum-exp. The head size is a compile-time constant (one pipeline per head size), so a row's vectors live
// in registers. tfjs's plain-op form takes 5 dispatches forward and about 8 backward and writes the scores.
import * as tf from '@tensorflow/tfjs';
import { ATTENTION, ATTENTION_D, ATTENTION_GRAD } from '../../ops/attention.js';
import { GROUP_INDEX, WG, grid, launch, output } from '../runner.js';
import { kernel } from './wgsl.js';

const BR = 64; // rows (threads) per workgroup
// Keys (or queries) per tile: two [BC, hd] tiles and two BC-vectors within WebGPU's default 16 KiB of workgroup memory.
const tileOf = (hd: number) => Math.max(1, Math.min(64, Math.floor((16384 / 4 - 128) / (2 * hd))));

const U = 'B: u32, H: u32, T: u32, S: u32, hd: u32, sb: u32, sh: u32, st: u32, ss: u32, scale: f32';

const shared = (hd: number, bc: number) => /* wgsl */ `
${GROUP_INDEX}
const HD: u32 = ${hd}u;
const BC: u32 = ${bc}u;
var<workgroup> ta: array<f32, ${bc * hd}>; // tile rows [BC][HD]: K (or Q)
var<workgroup> tb: array<f32, ${bc * hd}>; // V (or dY)
var<workgroup> tc: array<f32, ${bc}>; // per tile row: lse (key-row kernels)
var<workgroup> td: array<f32, ${bc}>; // D
fn biasAt(bh: u32, i: u32, j: u32) -> f32 { return bias[(bh / u.H) * u.sb + (bh % u.H) * u.sh + i * u.st + j * u.ss]; }
// Which (batch·head, row) this thread owns: workgroups run over row blocks of every batch·head.
fn place(w: vec3<u32>, n: vec3<u32>, lid: u32, rows: u32) -> vec2<u32> {
  let g = groupIndex(w, n);
  let blocks = (rows + ${BR}u - 1u) / ${BR}u;
  return vec2<u32>(g / blocks, (g % blocks) * ${BR}u + lid);
}`;

// Copies rows [r0, r0 + BC) of two [rows][HD] tensors (from offset base) into ta and tb, zeros past the end.
const LOAD = /* wgsl */ `
  for (var e = lid; e < BC * HD; e += ${BR}u) {
    let r = r0 + e / HD;
    var xa = 0.0;
    var xb = 0.0;
    if (r < rows) { xa = LA[base + r * HD + e % HD]; xb = LB[base + r * HD + e % HD]; }
    ta[e] = xa;
    tb[e] = xb;
  }`;
const load = (a: string, b: string, rows: string) => LOAD.replaceAll('LA', a).replaceAll('LB', b).replace('let r = r0', `let rows = ${rows};\n    let r = r0`);

// The two kinds of row a thread owns: a query row i (forward, dq) walking tiles of key rows (K, V), or a key row j
// (dk, dv) walking tiles of query rows (Q, dY). `mine` is the offset of the thread's row in its own [rows][HD] tensors,
// `theirs` that of the head's first row in the other side's.
interface Side { row: string; rows: string; mine: string; other: string; theirs: string; tiles: [string, string] }
const QUERY: Side = { row: 'i', rows: 'u.T', mine: 'qo', other: 'u.S', theirs: 'ko', tiles: ['k', 'v'] };
const KEY: Side = { row: 'j', rows: 'u.S', mine: 'ko', other: 'u.T', theirs: 'qo', tiles: ['q', 'dy'] };

// A kernel with a thread per row of `side`: where it stands (bh, its row, live, the offsets), `regs` as HD-vectors in
// registers, then `body`.
const rowKernel = (k: { out: string[]; inputs: string[]; hd: number; bc: number; side: Side; regs: string[]; body: string }) => kernel({
  outputs: k.out, inputs: k.inputs, uniforms: U,
  head: shared(k.hd, k.bc), size: BR,
  body: /* wgsl */ `
  let pl = place(w, n, lid, ${k.side.rows});
  let bh = pl.x;
  let ${k.side.row} = pl.y;
  let live = bh < u.B * u.H && ${k.side.row} < ${k.side.rows};
  let ${k.side.mine} = (bh * ${k.side.rows} + ${k.side.row}) * HD;
  let ${k.side.theirs} = bh * ${k.side.other} * HD;
  ${k.regs.map((r) => `var ${r}: array<f32, ${k.hd}>;`).join('\n  ')}
${k.body}`,
});

// The walk over the other side's rows BC at a time: each tile loaded into ta, tb (and whatever `extra` loads) between
// barriers, then `step` for a live thread, r0 being the tile's first row.
const tiles = (side: Side, step: string, extra = '') => /* wgsl */ `
  for (var r0 = 0u; r0 < ${side.other}; r0 += BC) {
    workgroupBarrier();
    { let base = ${side.theirs}; ${load(side.tiles[0], side.tiles[1], side.other)} }${extra}
    workgroupBarrier();
    if (live) {${step}
    }
  }`;

const forward = (hd: number, bc: number) => rowKernel({
  out: ['o', 'lse'], inputs: ['q', 'k', 'v', 'bias'], hd, bc, side: QUERY, regs: ['qr', 'acc'],
  body: /* wgsl */ `
  if (live) { for (var d = 0u; d < HD; d++) { qr[d] = q[qo + d] * u.scale; } }
  var m = -3.4e38;
  var l = 0.0;
  var sc: array<f32, ${bc}>;${tiles(QUERY, /* wgsl */ `
      let nj = min(BC, u.S - r0);
      var mt = m;
      for (var jj = 0u; jj < nj; jj++) {
        var s = 0.0;
        for (var d = 0u; d < HD; d++) { s += qr[d] * ta[jj * HD + d]; }
        s += biasAt(bh, i, r0 + jj);
        sc[jj] = s;
        mt = max(mt, s);
      }
      let c = exp(m - mt);
      l *= c;
      for (var d = 0u; d < HD; d++) { acc[d] *= c; }
      for (var jj = 0u; jj < nj; jj++) {
        let p = exp(sc[jj] - mt);
        l += p;
        for (var d = 0u; d < HD; d++) { acc[d] += p * tb[jj * HD + d]; }
      }
      m = mt;`)}
  if (live) {
    for (var d = 0u; d < HD; d++) { o[qo + d] = acc[d] / l; }
    lse[bh * u.T + i] = m + log(l);
  }`,
});

// D[row] = Σ_d dy·out: one thread per query row.
const D_CODE = kernel({
  outputs: ['D'], inputs: ['dy', 'o'], uniforms: 'rows: u32, hd: u32', head: GROUP_INDEX, size: WG,
  body: /* wgsl */ `
  let row = groupIndex(w, n) * ${WG}u + lid;
  if (row >= u.rows) { return; }
  var s = 0.0;
  for (var d = 0u; d < u.hd; d++) { s += dy[row * u.hd + d] * o[row * u.hd + d]; }
  D[row] = s;`,
});

const GRAD_IN = ['q', 'k', 'v', 'bias', 'lse', 'dy', 'D'];

// dq_i = scale · Σ_j p_ij (dy_i·v_j − D_i) k_j: a thread per query row, walking key tiles.
const gradQ = (hd: number, bc: number) => rowKernel({
  out: ['dq'], inputs: GRAD_IN, hd, bc, side: QUERY, regs: ['qr', 'gr', 'acc'],
  body: /* wgsl */ `
  var li = 0.0;
  var Di = 0.0;
  if (live) {
    for (var d = 0u; d < HD; d++) { qr[d] = q[qo + d] * u.scale; gr[d] = dy[qo + d]; }
    li = lse[bh * u.T + i];
    Di = D[bh * u.T + i];
  }${tiles(QUERY, /* wgsl */ `
      for (var jj = 0u; jj < min(BC, u.S - r0); jj++) {
        var s = 0.0;
        var dp = 0.0;
        for (var d = 0u; d < HD; d++) { s += qr[d] * ta[jj * HD + d]; dp += gr[d] * tb[jj * HD + d]; }
        let ds = exp(s + biasAt(bh, i, r0 + jj) - li) * (dp - Di);
        for (var d = 0u; d < HD; d++) { acc[d] += ds * ta[jj * HD + d]; }
      }`)}
  if (live) { for (var d = 0u; d < HD; d++) { dq[qo + d] = acc[d] * u.scale; } }`,
});

// dk_j = scale · Σ_i p_ij (dy_i·v_j − D_i) q_i (part 1), dv_j = Σ_i p_ij dy_i (part 2): a thread per key row,
// walking tiles of queries (with their dy, lse and D).
const gradKV = (hd: number, bc: number, part: 1 | 2) => rowKernel({
  out: [part === 1 ? 'dk' : 'dv'], inputs: GRAD_IN, hd, bc, side: KEY, regs: ['kr', 'vr', 'acc'],
  body: /* wgsl */ `
  if (live) { for (var d = 0u; d < HD; d++) { kr[d] = k[ko + d] * u.scale; vr[d] = v[ko + d]; } }${tiles(KEY, /* wgsl */ `
      for (var ii = 0u; ii < min(BC, u.T - r0); ii++) {
        var s = 0.0;
        ${part === 1 ? 'var dp = 0.0;' : ''}
        for (var d = 0u; d < HD; d++) { s += ta[ii * HD + d] * kr[d]; ${part === 1 ? 'dp += tb[ii * HD + d] * vr[d];' : ''} }
        let p = exp(s + biasAt(bh, r0 + ii, j) - tc[ii]);
        ${part === 1
          ? 'let ds = p * (dp - td[ii]);\n        for (var d = 0u; d < HD; d++) { acc[d] += ds * ta[ii * HD + d]; }'
          : 'for (var d = 0u; d < HD; d++) { acc[d] += p * tb[ii * HD + d]; }'}
      }`, /* wgsl */ `
    if (lid < BC) {
      let r = r0 + lid;
      var a = 0.0;
      var b = 0.0;
      if (r < u.T) { a = lse[bh * u.T + r]; b = D[bh * u.T + r]; }
      tc[lid] = a;
      td[lid] = b;
    }`)}
  if (live) { for (var d = 0u; d < HD; d++) { ${part === 1 ? 'dk[ko + d] = acc[d] * u.scale;' : 'dv[ko + d] = acc[d];'} } }`,
});

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

/** Workgroups for `rows` rows of each of the B·H heads, BR rows per workgroup. */
const groupsFor = (BH: number, rows: number) => grid(BH * Math.ceil(rows / BR));

export const attentionWebgpu: tf.KernelConfig[] = [
  {
    kernelName: ATTENTION,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { q, k, v, bias } = inputs as Record<string, Info>;
      const [B, H, T, hd] = q.shape;
      const o = output(backend, q.shape), lse = output(backend, [B, H, T]);
      launch(backend, { code: forward(hd, tileOf(hd)), outputs: [o, lse], inputs: [q, k, v, bias], uniforms: uniforms(q, k, bias), groups: groupsFor(B * H, T) });
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
      const [B, H, T, hd] = q.shape, S = k.shape[2];
      const out = output(backend, part === 0 ? q.shape : part === 1 ? k.shape : v.shape);
      const code = part === 0 ? gradQ(hd, tileOf(hd)) : gradKV(hd, tileOf(hd), part);
      launch(backend, { code, outputs: [out], inputs: [q, k, v, bias, lse, dy, D], uniforms: uniforms(q, k, bias), groups: groupsFor(B * H, part === 0 ? T : S) });
      return out;
    },
  },
];
