// ftbench's WGSL kernels (harness/backend/webgpu) against the default CPU backend (native + kernel pack; wasm where
// the addon is not built), on whatever adapter Dawn offers (lavapipe in CI): forward values and gradients within 1e-4
// relative (mixed precision: within MIXED_TOL), and on-device clipping with no read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../harness/backend/index.js';
import { probeAdapter } from '../harness/backend/webgpu.js';
import { gpuCounts } from '../harness/backend/webgpu/counters.js';
import { adamwUpdate, adamwUpdateGroup, attention, gelu, layerNorm, linear, loraDelta, rmsNorm, softmax, softmaxNll, swiglu, useFusedAttention } from '../harness/backend/ops/index.js';
import { useMatmul } from '../harness/backend/webgpu/matmul.js';
import { adamwGroupCapacity } from '../harness/backend/webgpu/kernels/adamw.js';
import { STORAGE_ROOM_WANTED, storageRoom, subgroupsInUse, useSubgroups } from '../harness/backend/webgpu/runner.js';
import { setPrecision, type Precision } from '../harness/backend/precision.js';
import { loadNative } from '../harness/backend/native/index.js';
import { globalNormClip } from '../harness/train/trainer.js';
import { crossEntropy } from '../harness/train/objectives/index.js';
import { tinyBatch, tinyModel, tinyObjective } from './helpers/tiny.js';
import { disposeBatch } from '../harness/train/batch.js';

const REFERENCE = loadNative().addon ? 'native' as const : 'wasm' as const; // the CPU default
const TOL = 1e-4;
// Mixed precision rounds the matmuls' operands to f16 (11 significant bits, each row/column scaled to its own
// range) and adds 16 products at a time in f16: measured at most 1.4e-3 (one matmul) and 2.9e-3 (a training
// step's loss and gradients) of the largest entry on lavapipe; the bound leaves room for other drivers.
const MIXED_TOL = 1e-2;

const probe = await probeAdapter();
const SKIP = 'adapter' in probe ? false : `no WebGPU adapter (${probe.reason}); scripts/setup.sh --dev installs lavapipe`;
if (SKIP) console.log(`# webgpu kernel tests skipped: ${SKIP}`);

/** Deterministic values in [-scale, scale). */
function values(n: number, seed: number, scale = 2): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale;
  });
}

type Case = (ins: tf.Tensor[]) => tf.Tensor[];

/** Runs `f` on both backends with the same inputs; returns each output's values per backend. */
async function both(shapes: number[][], f: Case, scale = 2): Promise<{ ref: Float32Array[]; gpu: Float32Array[] }> {
  const out: Record<string, Float32Array[]> = {};
  for (const b of [REFERENCE, 'webgpu'] as const) {
    await initBackend(b);
    const ins = shapes.map((s, i) => tf.tensor(values(tf.util.sizeFromShape(s), 17 + i, scale), s));
    const res = f(ins);
    out[b] = res.map((t) => (t.dataSync() as Float32Array).slice());
    tf.dispose([...ins, ...res]);
  }
  return { ref: out[REFERENCE], gpu: out.webgpu };
}

function close(ref: Float32Array[], gpu: Float32Array[], what: string, tol = TOL): number {
  let worst = 0;
  ref.forEach((r, k) => {
    assert.equal(gpu[k].length, r.length, `${what}: output ${k} has ${gpu[k].length} values, expected ${r.length}`);
    const big = Math.max(1e-12, ...r.map(Math.abs));
    for (let i = 0; i < r.length; i++) {
      const d = Math.abs(r[i] - gpu[k][i]) / big;
      worst = Math.max(worst, d);
      assert.ok(d <= tol, `${what}: output ${k}[${i}] is ${gpu[k][i]} on webgpu, ${r[i]} on ${REFERENCE}`);
    }
  });
  return worst;
}

/** Forward value and the gradients of Σ(y·w) (w fixed random, so every output element matters) for every input. */
function withGrads(f: (ins: tf.Tensor[]) => tf.Tensor): Case {
  return (ins) => {
    const y = f(ins);
    const w = tf.tensor(values(y.size, 99), y.shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(xs), w)))(ins);
    w.dispose();
    return [y, ...grads];
  };
}

test('fused WGSL kernels match the CPU default: LayerNorm, GELU, softmax, attention (forward and gradients), AdamW', { skip: SKIP }, async () => {
  const worst: Record<string, number> = {};
  // Shapes cover rows longer and shorter than a workgroup (128 threads) and more rows than one dispatch row of groups.
  for (const [rows, d] of [[6, 5], [16, 128], [3, 300]] as const) {
    const ln = await both([[rows, d], [d], [d]], withGrads(([x, g, b]) => layerNorm(x, g, b, 1e-5)));
    worst[`layerNorm ${rows}×${d}`] = close(ln.ref, ln.gpu, `layerNorm ${rows}×${d}`);
    const sm = await both([[2, rows, d]], withGrads(([x]) => softmax(x)), 8);
    worst[`softmax ${rows}×${d}`] = close(sm.ref, sm.gpu, `softmax ${rows}×${d}`);
  }
  // GELU on large |x| too (tanh saturates): values in [-12, 12).
  const ge = await both([[1000]], withGrads(([x]) => gelu(x)), 12);
  worst.gelu = close(ge.ref, ge.gpu, 'gelu');
  const aw = await both([[33, 7], [33, 7], [33, 7], [33, 7]], ([p, g, m, v]) =>
    adamwUpdate(p, g, m, tf.abs(v), { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 0.19, c2: 0.002, decay: 1 - 1e-5 }));
  worst.adamw = close(aw.ref, aw.gpu, 'adamw');
  // Attention: padding bias [B,1,1,S], a full [B,H,T,S]-broadcast one ([1,1,T,S], causal-like), keys longer than
  // queries, a head size over the workgroup's width; gradients of q, k, v (and of the bias, which takes plain ops).
  for (const [B, H, T, S, hd, bias] of [[2, 3, 5, 5, 8, [2, 1, 1, 5]], [1, 2, 6, 6, 4, [1, 1, 6, 6]], [2, 2, 4, 9, 16, [2, 1, 4, 9]], [1, 1, 3, 130, 160, [1, 1, 1, 130]]] as const) {
    const was = useFusedAttention(true); // opt-in in training (see ops/attention.ts); tested always
    const at = await both([[B, H, T, hd], [B, H, S, hd], [B, H, S, hd], [...bias]], withGrads(([q, k, v, b]) => attention(q, k, v, b)));
    useFusedAttention(was);
    worst[`attention ${[B, H, T, S, hd]}`] = close(at.ref, at.gpu, `attention ${[B, H, T, S, hd]} bias [${bias}]`);
  }
  console.log(`# worst relative differences: ${Object.entries(worst).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
});

test('AdamW over several parameters: each gets its own update, bit for bit, several to a dispatch', { skip: SKIP }, async () => {
  // Sizes around a workgroup (256) and far apart, each parameter with its own lr, bias corrections and decay.
  const shapes = [[33, 7], [300], [1], [64, 64], [5, 3], [257], [2, 2, 2]];
  const attrs = shapes.map((_, j) => ({ lr: 1e-3 * (j + 1), beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 0.19 + 0.1 * j, c2: 0.002 * (j + 1), decay: 1 - 1e-5 * j }));
  const items = (ins: tf.Tensor[]) => shapes.map((_, j) => ({ p: ins[4 * j], g: ins[4 * j + 1], m: ins[4 * j + 2], v: tf.abs(ins[4 * j + 3]), attrs: attrs[j] }));
  let dispatches = 0, room = 0;
  const res = await both(shapes.flatMap((sh) => [sh, sh, sh, sh]), (ins) => {
    const xs = items(ins);
    const single = xs.flatMap((x) => adamwUpdate(x.p, x.g, x.m, x.v, x.attrs));
    const before = gpuCounts().dispatches;
    const grouped = adamwUpdateGroup(xs).flat();
    if (tf.getBackend() === 'webgpu') {
      dispatches = gpuCounts().dispatches - before;
      room = storageRoom(tf.backend());
      single.forEach((t, k) => assert.deepEqual(grouped[k].dataSync(), t.dataSync(), `output ${k}: grouped and single updates differ`));
    }
    tf.dispose([...single, ...xs.map((x) => x.v)]);
    return grouped;
  });
  close(res.ref, res.gpu, 'adamw group');
  const nav = (globalThis as unknown as { navigator: { gpu: { requestAdapter(): Promise<{ limits: Record<string, number> }> } } }).navigator;
  const offered = Number((await nav.gpu.requestAdapter()).limits.maxStorageBuffersPerShaderStage);
  assert.equal(room, Math.min(STORAGE_ROOM_WANTED, Math.max(8, offered)), 'the device was not given the storage buffers its adapter offers');
  const perDispatch = Math.floor(room / 7);
  assert.equal(dispatches, Math.ceil(shapes.length / perDispatch), `${shapes.length} parameters at ${perDispatch} per dispatch`);
  assert.equal(adamwGroupCapacity(tf.backend()), perDispatch);
  console.log(`# adapter offers ${offered} storage buffers per dispatch; device has ${room}: AdamW ${perDispatch} parameters per dispatch`);
});

test('global-norm clipping on webgpu gives the CPU result and reads nothing back', { skip: SKIP }, async () => {
  for (const maxNorm of [1, 1e6]) { // clipped, and left alone (scaled by exactly 1)
    // More gradients than one dispatch binds at any room up to 32, empty and scalar ones among them.
    const shapes = [[40, 30], [30], [7, 3, 5], [1], [0], ...Array.from({ length: 36 }, (_, i) => [i + 2])];
    const res = await both(shapes, (gs) => {
      const vars = gs.map((g) => tf.variable(tf.zerosLike(g)));
      const before = gpuCounts();
      const out = globalNormClip(new Map(vars.map((v, i) => [v, gs[i]])), maxNorm);
      if (tf.getBackend() === 'webgpu') assert.equal(gpuCounts().reads - before.reads, 0, 'the clip read from the GPU');
      const vals = [...out.values()].map((t) => tf.clone(t));
      if (out.size && [...out.values()][0] !== gs[0]) tf.dispose([...out.values()]);
      tf.dispose(vars);
      return vals;
    });
    close(res.ref, res.gpu, `clip at ${maxNorm}`);
  }
});

test('the row reductions agree with the CPU default both in subgroups (used where the device has them) and in the workgroup tree', { skip: SKIP }, async () => {
  const info = await initBackend('webgpu');
  if (info.features?.includes('subgroups')) {
    assert.ok(info.subgroups && subgroupsInUse(tf.backend()), 'the device has subgroups, but the reductions do not use them');
  }
  console.log(`# subgroups: ${info.subgroups ? `size ${info.subgroups}, used` : 'not used'}`);
  const worst: Record<string, number> = {};
  for (const on of [true, false]) {
    const was = useSubgroups(on);
    try {
      const form = on ? 'subgroups' : 'tree';
      for (const [rows, d] of [[6, 5], [3, 1000]] as const) {
        const ln = await both([[rows, d], [d], [d]], withGrads(([x, g, b]) => layerNorm(x, g, b, 1e-5)));
        worst[`${form} layerNorm ${d}`] = close(ln.ref, ln.gpu, `${form}: layerNorm ${rows}×${d}`);
        const rn = await both([[rows, d], [d]], withGrads(([x, g]) => rmsNorm(x, g, 1e-6)));
        worst[`${form} rmsNorm ${d}`] = close(rn.ref, rn.gpu, `${form}: rmsNorm ${rows}×${d}`);
        const sm = await both([[rows, d]], withGrads(([x]) => softmax(x)), 30); // the max matters: exp(±30)
        worst[`${form} softmax ${d}`] = close(sm.ref, sm.gpu, `${form}: softmax ${rows}×${d}`);
        const ce = await both([[rows, d]], withGrads(([x]) => {
          const l = tf.tensor1d(Int32Array.from({ length: rows }, (_, i) => (i * 7) % d), 'int32');
          const y = softmaxNll(x as tf.Tensor2D, l) ?? plainNll(x as tf.Tensor2D, l);
          l.dispose();
          return y;
        }), 30);
        worst[`${form} softmaxNll ${d}`] = close(ce.ref, ce.gpu, `${form}: softmaxNll ${rows}×${d}`);
      }
      const clip = await both([[300, 7], [5], [1000]], (gs) => {
        const vars = gs.map((g) => tf.variable(tf.zerosLike(g)));
        const out = globalNormClip(new Map(vars.map((v, i) => [v, gs[i]])), 1);
        const vals = [...out.values()].map((t) => tf.clone(t));
        tf.dispose([...out.values(), ...vars]);
        return vals;
      });
      worst[`${form} clip`] = close(clip.ref, clip.gpu, `${form}: clip`);
    } finally {
      useSubgroups(was);
    }
  }
  console.log(`# worst relative differences: ${Object.entries(worst).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
});

/** Runs `f` on webgpu with our tiled matmul (fp32 or mixed) and tfjs's left alone on the reference. */
function withMatmul(p: Precision, f: Case): Case {
  return (ins) => {
    if (tf.getBackend() !== 'webgpu') return f(ins);
    const was = useMatmul('ftb');
    const pw = setPrecision(p);
    try {
      return f(ins);
    } finally {
      setPrecision(pw);
      useMatmul(was);
    }
  };
}

/** −log softmax(x)[label] per row in plain ops, the form the CPU default takes. */
const plainNll = (x: tf.Tensor2D, labels: tf.Tensor1D) => tf.neg(tf.sum(tf.mul(tf.logSoftmax(x), tf.oneHot(labels, x.shape[1])), 1));

test('RMSNorm, SwiGLU, softmax cross-entropy, LoRA\'s update and the tiled matmul (fp32 and mixed) match the CPU default', { skip: SKIP }, async () => {
  const worst: Record<string, number> = {};
  for (const [rows, d] of [[6, 5], [3, 300]] as const) {
    const rn = await both([[rows, d], [d]], withGrads(([x, g]) => rmsNorm(x, g, 1e-6)));
    worst[`rmsNorm ${rows}×${d}`] = close(rn.ref, rn.gpu, `rmsNorm ${rows}×${d}`);
  }
  const sw = await both([[700], [700]], withGrads(([g, u]) => swiglu(g, u)), 12); // σ saturates both ways
  worst.swiglu = close(sw.ref, sw.gpu, 'swiglu');
  // Rows shorter and longer than a workgroup; label -1 (out of range) gives 0 and no gradient on both.
  for (const [n, c] of [[5, 7], [3, 300]] as const) {
    const labels = () => tf.tensor1d(Int32Array.from({ length: n }, (_, i) => (i === 1 ? -1 : (i * 37) % c)), 'int32');
    const ce = await both([[n, c]], withGrads(([x]) => {
      const l = labels();
      const y = softmaxNll(x as tf.Tensor2D, l) ?? plainNll(x as tf.Tensor2D, l);
      l.dispose();
      return y;
    }), 8);
    worst[`softmaxNll ${n}×${c}`] = close(ce.ref, ce.gpu, `softmaxNll ${n}×${c}`);
    const mean = await both([[n, c]], withGrads(([x]) => {
      const l = labels();
      const y = crossEntropy(x as tf.Tensor2D, l);
      l.dispose();
      return y;
    }), 8);
    worst[`crossEntropy ${n}×${c}`] = close(mean.ref, mean.gpu, `crossEntropy ${n}×${c}`);
  }
  // LoRA's update: rows longer and shorter than the workgroup, the largest rank the kernel takes; s = 2.
  for (const [n, din, r, dout] of [[37, 20, 8, 70], [5, 130, 32, 9]] as const) {
    const lo = await both([[n, din], [din, r], [r, dout]], withGrads(([x, A, B]) => loraDelta(x, A, B, 2)));
    worst[`lora ${n}×${din}·r${r}·${dout}`] = close(lo.ref, lo.gpu, `lora ${n}×${din} r ${r} → ${dout}`);
  }
  // Matmul: tiles cut at the edges (33, 17, 70), K over several 16-deep steps, both transposes, one operand's batch
  // broadcast, and linear()'s bias; forward and both operands' gradients.
  const mm: [string, number[][], Case][] = [
    ['a·b', [[2, 33, 17], [2, 17, 70]], withGrads(([a, b]) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D))],
    ['aᵀ·bᵀ', [[2, 40, 65], [2, 9, 40]], withGrads(([a, b]) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, true, true))],
    // tfjs's own BatchMatMul gradient refuses a broadcast operand, so forward only.
    ['a·b broadcast', [[3, 20, 31], [31, 66]], ([a, b]) => [tf.matMul(a, b)]],
    ['linear', [[2, 5, 130], [130, 24], [24]], withGrads(([x, w, bias]) => linear(x, w as tf.Tensor2D, bias))],
  ];
  for (const p of ['fp32', 'mixed'] as const) {
    for (const [name, shapes, f] of mm) {
      const r = await both(shapes, withMatmul(p, f));
      worst[`matmul ${p} ${name}`] = close(r.ref, r.gpu, `matmul ${p} ${name}`, p === 'mixed' ? MIXED_TOL : TOL);
    }
  }
  // Mixed precision keeps small values: a gradient-sized operand (1e-7) comes out at its own relative accuracy.
  const tiny = await both([[8, 32], [32, 8]], withMatmul('mixed', ([a, b]) => [tf.matMul(tf.mul(a, 1e-7), b)]));
  worst['matmul mixed 1e-7'] = close(tiny.ref, tiny.gpu, 'matmul mixed on 1e-7-sized values', MIXED_TOL);
  console.log(`# worst relative differences: ${Object.entries(worst).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
});

test('a full fine-tuning step in mixed precision: loss and gradients of both families near the fp32 CPU default', { skip: SKIP }, async () => {
  for (const family of ['encoder', 'decoder'] as const) {
    const out: Record<string, Float32Array[]> = {};
    for (const b of [REFERENCE, 'webgpu'] as const) {
      await initBackend(b);
      const was = setPrecision(b === 'webgpu' ? 'mixed' : 'fp32');
      const model = tinyModel(family);
      const batch = tinyBatch(8, 7);
      try {
        const vars = model.named('**').map(([, v]) => v);
        const { value, grads } = tf.variableGrads(() => tinyObjective.loss(model, batch) as tf.Scalar, vars);
        // Parameters off the classification path (the LM head) have no gradient.
        out[b] = [value, ...vars.flatMap((v) => (grads[v.name] ? [grads[v.name]] : []))].map((t) => (t.dataSync() as Float32Array).slice());
        tf.dispose([value, ...Object.values(grads)]);
      } finally {
        setPrecision(was);
        disposeBatch(batch);
        model.dispose();
      }
    }
    // Each gradient against the largest entry of all of them (some are zero up to rounding, as k's bias).
    const big = Math.max(...out[REFERENCE].slice(1).map((g) => Math.max(...g.map(Math.abs))));
    let worst = Math.abs(out.webgpu[0][0] - out[REFERENCE][0][0]) / Math.abs(out[REFERENCE][0][0]);
    assert.ok(worst <= MIXED_TOL, `${family}: loss ${out.webgpu[0][0]} in mixed precision, ${out[REFERENCE][0][0]} in fp32`);
    out[REFERENCE].slice(1).forEach((g, k) => g.forEach((x, i) => {
      const d = Math.abs(out.webgpu[k + 1][i] - x) / big;
      worst = Math.max(worst, d);
      assert.ok(d <= MIXED_TOL, `${family}: gradient ${k}[${i}] is ${out.webgpu[k + 1][i]} in mixed precision, ${x} in fp32`);
    }));
    console.log(`# ${family} in mixed precision: worst relative difference ${worst.toExponential(1)}`);
  }
});
