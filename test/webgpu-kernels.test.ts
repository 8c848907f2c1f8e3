// ftbench's WGSL kernels (harness/backend/webgpu) against the default CPU backend (wasm + kernel pack), on whatever
// adapter Dawn offers (lavapipe in CI): forward values and gradients within 1e-4 relative, and the training step's
// GPU→CPU reads and buffer allocations counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../harness/backend/index.js';
import { probeAdapter } from '../harness/backend/webgpu.js';
import { gpuCounts } from '../harness/backend/webgpu/counters.js';
import { adamwUpdate, attention, gelu, layerNorm, softmax, useFusedAttention } from '../harness/backend/ops/index.js';
import { globalNormClip } from '../harness/train/trainer.js';

const REFERENCE = 'wasm' as const;
const TOL = 1e-4;

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

test('global-norm clipping on webgpu gives the CPU result and reads nothing back', { skip: SKIP }, async () => {
  for (const maxNorm of [1, 1e6]) { // clipped, and left alone (scaled by exactly 1)
    const shapes = [[40, 30], [30], [7, 3, 5], [1]];
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
