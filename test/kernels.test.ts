// Property tests: every kernel of the pack against the tfjs `cpu` backend on random shapes (1e-4 relative error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import { initBackend, type BackendChoice } from '../harness/backend/index.js';
import { ADDON_PATH } from '../harness/backend/native/index.js';

// The backend under test: the default one, or FTBENCH_TEST_BACKEND (`wasm` checks the kernel pack on the wasm heap).
const BACKEND = (process.env.FTBENCH_TEST_BACKEND ?? 'auto') as BackendChoice;

// Three threads whatever the machine: large GEMMs are cut into pieces of uneven size (see the split test below).
process.env.FTBENCH_THREADS = '3';

// Deterministic data: a failing case reproduces.
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
const DIMS = [1, 2, 3, 5, 7, 16, 33];
const data = (shape: number[], lo = -2, hi = 2) =>
  Float32Array.from({ length: shape.reduce((p, s) => p * s, 1) }, () => lo + (hi - lo) * rand());

// Without the addon every case below compares the pure-npm kernels with tfjs and passes without running any C, so
// where the addon is built (or CI says it must be, FTBENCH_EXPECT_NATIVE=1) the pack must really be the native one.
test('the native kernel pack is loaded wherever it is expected', async (t) => {
  const expected = process.env.FTBENCH_EXPECT_NATIVE === '1' || (fs.existsSync(ADDON_PATH) && process.env.FTBENCH_NO_NATIVE !== '1');
  const info = await initBackend(BACKEND);
  if (!expected) return t.skip(`no native addon at ${ADDON_PATH}: the cases test the pure-npm kernels`);
  if (info.name !== 'wasm' && info.name !== 'native') return t.skip(`the ${info.name} backend was chosen: the kernel pack is not in use`);
  assert.equal(info.kernelPack, 'native', `the addon ${ADDON_PATH} exists but the ${info.kernelPack} kernel pack was loaded`);
  assert.ok(info.blas, 'the native pack reports no BLAS');
});

interface Case {
  name: string;
  run: () => tf.Tensor;
  /** Plain-JS expected value where tfjs `cpu` itself is wrong (it mis-broadcasts some transposed batch matmuls). */
  reference?: () => { shape: number[]; values: Float32Array };
  /** Floor of the relative error's denominator, as a fraction of the largest |expected| (default 1e-3). */
  floor?: number;
  /** Largest relative error allowed (default 1e-4). */
  tol?: number;
}

/** Runs every case on `cpu`, then on the default backend, and compares. `scale` guards near-zero results of sums. */
async function compare(cases: Case[]): Promise<void> {
  const expected: { shape: number[]; values: Float32Array | Int32Array | Uint8Array }[] = [];
  await tf.setBackend('cpu');
  for (const c of cases) expected.push(c.reference ? c.reference() : tf.tidy(() => { const t = c.run(); return { shape: t.shape, values: t.dataSync() as Float32Array }; }));
  const info = await initBackend(BACKEND);
  assert.equal(tf.getBackend(), info.name);
  cases.forEach((c, i) => {
    const got = tf.tidy(() => { const t = c.run(); return { shape: t.shape, values: t.dataSync() as Float32Array }; });
    const exp = expected[i];
    assert.deepEqual(got.shape, exp.shape, `${c.name}: shape`);
    let maxAbs = 0;
    for (const v of exp.values) maxAbs = Math.max(maxAbs, Math.abs(v));
    let worst = 0;
    for (let j = 0; j < exp.values.length; j++) {
      const e = exp.values[j], g = got.values[j];
      // Relative to the element, with a floor at 1e-3 of the tensor's largest magnitude (cancellation in sums).
      const err = Math.abs(g - e) / Math.max(Math.abs(e), (c.floor ?? 1e-3) * maxAbs, 1e-6);
      if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : Math.max(worst, err);
    }
    assert.ok(worst <= (c.tol ?? 1e-4), `${c.name}: max relative error ${worst}`);
  });
}

/** out[..., i, j] = Σ_k op(a)[..., i, k] op(b)[..., k, j] with numpy broadcasting of the batch dims, in float64. */
function matMulReference(aShape: number[], av: Float32Array, bShape: number[], bv: Float32Array, ta: boolean, tb: boolean) {
  const ab = aShape.slice(0, -2), bb = bShape.slice(0, -2);
  const outB = tf.backend_util.assertAndGetBroadcastShape(ab, bb);
  const [ar, ac] = aShape.slice(-2), [br, bc] = bShape.slice(-2);
  const m = ta ? ac : ar, k = ta ? ar : ac, n = tb ? br : bc;
  const batch = outB.reduce((p, s) => p * s, 1);
  const values = new Float32Array(batch * m * n);
  const index = (coord: number[], shape: number[]) => {
    const off = coord.length - shape.length;
    return shape.reduce((idx, s, d) => idx * s + (s === 1 ? 0 : coord[d + off]), 0);
  };
  for (let bi = 0; bi < batch; bi++) {
    const coord: number[] = [];
    let r = bi;
    for (let d = outB.length - 1; d >= 0; d--) { coord[d] = r % outB[d]; r = Math.floor(r / outB[d]); }
    const ao = index(coord, ab) * ar * ac, bo = index(coord, bb) * br * bc;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let q = 0; q < k; q++) acc += av[ao + (ta ? q * ac + i : i * ac + q)] * bv[bo + (tb ? j * bc + q : q * bc + j)];
      values[(bi * m + i) * n + j] = acc;
    }
  }
  return { shape: [...outB, m, n], values };
}

// Input tensors are created inside each run, so they live on whichever backend is active.
function t(shape: number[], values: Float32Array) {
  return tf.tensor(values, shape);
}

test('BatchMatMul: transposes, batch broadcasting, ranks 2-4, size-1 and empty dims', async () => {
  const cases: Case[] = [];
  for (let i = 0; i < 40; i++) {
    const m = pick(DIMS), n = pick(DIMS), k = pick(DIMS);
    const ta = rand() < 0.5, tb = rand() < 0.5;
    const batches: [number[], number[]] = pick([
      [[], []], [[3], [3]], [[3], []], [[], [4]], [[2, 1], [1, 3]], [[1], [5]], [[2, 3], [3]], [[4, 2], [4, 2]],
    ]);
    const aShape = [...batches[0], ...(ta ? [k, m] : [m, k])];
    const bShape = [...batches[1], ...(tb ? [n, k] : [k, n])];
    if (aShape.length < 2 || bShape.length < 2) continue;
    const av = data(aShape), bv = data(bShape);
    const broadcasts = batches[0].join() !== batches[1].join();
    cases.push({
      name: `matMul ${aShape}${ta ? 'ᵀ' : ''} × ${bShape}${tb ? 'ᵀ' : ''}`,
      run: () => tf.matMul(t(aShape, av), t(bShape, bv), ta, tb),
      reference: broadcasts ? () => matMulReference(aShape, av, bShape, bv, ta, tb) : undefined,
    });
  }
  for (const [aShape, bShape] of [[[0, 4], [4, 3]], [[3, 0], [0, 5]], [[2, 0, 3], [2, 3, 4]], [[1, 1], [1, 1]], [[1, 300], [300, 1]]]) {
    const av = data(aShape), bv = data(bShape);
    cases.push({ name: `matMul ${aShape} × ${bShape}`, run: () => tf.matMul(t(aShape, av), t(bShape, bv)) });
  }
  const big = [[130, 257], [257, 70]];
  const av = data(big[0]), bv = data(big[1]);
  // Long dot products: float64 reference; an entry that cancels to near 0 is judged against 1% of the largest
  // (float32 rounding of 257 terms is ~1e-5 of their magnitude, whatever the order).
  cases.push({ name: 'matMul 130×257×70', run: () => tf.matMul(t(big[0], av), t(big[1], bv)), reference: () => matMulReference(big[0], av, big[1], bv, false, false), floor: 1e-2 });
  await compare(cases);
});

test('_FusedMatMul: bias shapes and every activation', async () => {
  const cases: Case[] = [];
  for (const activation of ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu', 'prelu'] as const) {
    for (const biasKind of ['none', 'row', 'scalar', 'full']) {
      const m = pick(DIMS), n = pick(DIMS), k = pick(DIMS), ta = rand() < 0.5, tb = rand() < 0.5;
      const batch = pick([[], [2]]);
      const aShape = [...batch, ...(ta ? [k, m] : [m, k])], bShape = [...batch, ...(tb ? [n, k] : [k, n])];
      const outShape = [...batch, m, n];
      const biasShape = biasKind === 'row' ? [n] : biasKind === 'scalar' ? [1] : outShape;
      const av = data(aShape), bv = data(bShape), cv = data(biasShape, -4, 4), pv = data([n], 0, 0.5);
      cases.push({
        name: `fused ${activation} bias=${biasKind} ${aShape}${ta ? 'ᵀ' : ''} × ${bShape}${tb ? 'ᵀ' : ''}`,
        run: () => tf.fused.matMul({
          a: t(aShape, av) as tf.Tensor2D, b: t(bShape, bv) as tf.Tensor2D, transposeA: ta, transposeB: tb,
          bias: biasKind === 'none' ? undefined : t(biasShape, cv), activation,
          preluActivationWeights: activation === 'prelu' ? t([n], pv) : undefined, leakyreluAlpha: 0.1,
        }),
      });
    }
  }
  await compare(cases);
});

test('unary kernels: tanh, sigmoid, exp over small, moderate and saturating inputs', async () => {
  const cases: Case[] = [];
  for (const [lo, hi] of [[-1e-4, 1e-4], [-0.7, 0.7], [-5, 5], [-30, 30], [-80, 80]]) {
    const shape = [pick(DIMS), pick(DIMS), 9];
    const xv = data(shape, lo, hi);
    cases.push({ name: `tanh [${lo},${hi}]`, run: () => tf.tanh(t(shape, xv)) });
    cases.push({ name: `sigmoid [${lo},${hi}]`, run: () => tf.sigmoid(t(shape, xv)) });
    if (hi <= 80) cases.push({ name: `exp [${lo},${hi}]`, run: () => tf.exp(t(shape, xv)) });
  }
  cases.push({ name: 'tanh empty', run: () => tf.tanh(tf.zeros([0, 3])) });
  const gv = data([7, 33], -6, 6);
  cases.push({ name: 'gelu (model formula)', run: () => { const x = t([7, 33], gv); return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))))))); } });
  await compare(cases);
});

test('Pow with scalar and tensor exponents', async () => {
  const cases: Case[] = [];
  for (const p of [0, 1, 2, 3, 0.5, -1, 1.7, -2.5]) {
    const shape = [pick(DIMS), pick(DIMS)];
    const xv = data(shape, 0.1, 3);
    cases.push({ name: `pow x^${p}`, run: () => tf.pow(t(shape, xv), p) });
  }
  const xv = data([5, 4], -3, 3);
  cases.push({ name: 'pow negative base, integer exponent', run: () => tf.pow(t([5, 4], xv), 3) });
  const ev = data([4], 0, 2);
  const bv = data([5, 4], 0.5, 2);
  cases.push({ name: 'pow tensor exponent', run: () => tf.pow(t([5, 4], bv), t([4], ev)) });
  await compare(cases);
});

test('Sum over leading, trailing, middle and all axes, keepDims', async () => {
  const cases: Case[] = [];
  for (let i = 0; i < 25; i++) {
    const rank = pick([1, 2, 3, 4]);
    const shape = Array.from({ length: rank }, () => pick(DIMS));
    const axis = pick([undefined, 0, -1, [0, 1], [rank - 2, rank - 1], 1]);
    if (Array.isArray(axis) ? axis.some((a) => a < 0 || a >= rank) : axis === 1 && rank < 2) continue;
    const keep = rand() < 0.3;
    const xv = data(shape);
    cases.push({ name: `sum ${shape} axis=${axis} keep=${keep}`, run: () => tf.sum(t(shape, xv), axis, keep) });
  }
  cases.push({ name: 'sum empty', run: () => tf.sum(tf.zeros([0, 4]), 0) });
  await compare(cases);
});

test('Add/Sub/Multiply/RealDiv: same shape, scalar, row and general broadcasts, int32', async () => {
  const cases: Case[] = [];
  const ops = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div } as const;
  for (const [name, op] of Object.entries(ops)) {
    for (const [as, bs] of [[[3, 5], [3, 5]], [[3, 5], [5]], [[5], [3, 5]], [[2, 3, 5], [1, 1, 5]], [[3, 5], []], [[], [3, 5]], [[], []], [[3, 1], [1, 5]], [[2, 3, 5], [3, 1]], [[0, 5], [5]]]) {
      const av = data(as), bv = data(bs, 0.5, 2);
      cases.push({ name: `${name} ${as} ${bs}`, run: () => op(t(as, av), t(bs, bv)) });
    }
    cases.push({ name: `${name} int32`, run: () => op(tf.tensor1d([7, 9, -4], 'int32'), tf.tensor1d([2, 3, 3], 'int32')) });
  }
  await compare(cases);
});

test('Identity (clone), GatherV2 and UnsortedSegmentSum (gather gradient)', async () => {
  const xv = data([6, 4]);
  const ids = [0, 2, 2, 5, 0, 1];
  await compare([
    { name: 'clone', run: () => tf.clone(t([6, 4], xv)) },
    { name: 'unsortedSegmentSum', run: () => tf.unsortedSegmentSum(t([6, 4], xv), tf.tensor1d(ids, 'int32'), 7) },
    { name: 'gather rows', run: () => tf.gather(t([6, 4], xv), tf.tensor2d([[5, 0, 2], [1, 1, 3]], [2, 3], 'int32')) },
    { name: 'gather axis 1 (stock kernel)', run: () => tf.gather(t([6, 4], xv), tf.tensor1d([3, 0], 'int32'), 1) },
    { name: 'gather int32 rows', run: () => tf.gather(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), tf.tensor1d([2, 0], 'int32')) },
    { name: 'gather grad', run: () => tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.gather(w, tf.tensor1d(ids, 'int32')), 1.5)))(t([6, 4], xv)) },
  ]);
});

test('fused ops layerNorm and gelu (forward and every gradient) match their plain-op form on cpu', async () => {
  const { layerNorm, gelu } = await import('../harness/backend/ops/index.js');
  const cases: Case[] = [];
  for (const shape of [[4, 7], [2, 3, 16], [1, 1], [5, 128], [0, 8]]) {
    const d = shape[shape.length - 1];
    const xv = data(shape, -3, 3), gv = data([d], 0.5, 1.5), bv = data([d]), wv = data(shape);
    const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layerNorm(x, g, b, 1e-5), t(shape, wv)));
    cases.push({ name: `layerNorm ${shape}`, run: () => layerNorm(t(shape, xv), t([d], gv), t([d], bv), 1e-5) });
    for (const i of [0, 1, 2]) {
      cases.push({ name: `layerNorm ${shape} grad ${['x', 'gain', 'bias'][i]}`, run: () => tf.grads(f)([t(shape, xv), t([d], gv), t([d], bv)])[i] });
    }
    cases.push({ name: `gelu ${shape}`, run: () => gelu(t(shape, xv)) });
    cases.push({ name: `gelu ${shape} grad`, run: () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(gelu(x), t(shape, wv))))(t(shape, xv)) });
  }
  await compare(cases);
});

test('fused adamwUpdate matches its plain-op form on cpu (all three outputs)', async () => {
  const { adamwUpdate } = await import('../harness/backend/ops/index.js');
  const cases: Case[] = [];
  for (const shape of [[7], [33, 5], [1], [0, 3]]) {
    const [pv, gv, mv] = [data(shape), data(shape), data(shape, -0.1, 0.1)];
    const vv = data(shape, 0, 0.01);
    for (const [t1, decay] of [[1, 1], [10, 0.999]]) {
      const attrs = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 1 - 0.9 ** t1, c2: 1 - 0.999 ** t1, decay };
      for (const i of [0, 1, 2]) {
        cases.push({ name: `adamw ${shape} t=${t1} out ${i}`, run: () => adamwUpdate(t(shape, pv), t(shape, gv), t(shape, mv), t(shape, vv), attrs)[i] });
      }
    }
  }
  await compare(cases);
});

test('linear (x W + b): forward and each gradient match tf.fused.matMul on cpu, for 2-D and 3-D x', async () => {
  const { linear } = await import('../harness/backend/ops/index.js');
  const cases: Case[] = [];
  for (const [xShape, m] of [[[5, 7], 3], [[2, 3, 16], 33], [[1, 1], 1], [[4, 0, 8], 5]] as [number[], number][]) {
    const k = xShape[xShape.length - 1]!;
    const xv = data(xShape), wv = data([k, m]), bv = data([m]), yv = data([...xShape.slice(0, -1), m]);
    const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(linear(x, w as tf.Tensor2D, b), t([...xShape.slice(0, -1), m], yv)));
    cases.push({ name: `linear ${xShape}×${m}`, run: () => linear(t(xShape, xv), t([k, m], wv) as tf.Tensor2D, t([m], bv)) });
    for (const i of [0, 1, 2]) {
      cases.push({ name: `linear ${xShape}×${m} grad ${['x', 'w', 'b'][i]}`, run: () => tf.grads(f)([t(xShape, xv), t([k, m], wv), t([m], bv)])[i]! });
    }
  }
  await compare(cases);
});

test('linear with a frozen weight: the backward runs one GEMM (dx), not the x^T·dy one', async () => {
  const { linear } = await import('../harness/backend/ops/index.js');
  await initBackend(BACKEND);
  const x = tf.randomNormal([64, 32]), w = tf.variable(tf.randomNormal([32, 16])), b = tf.variable(tf.zeros([16]));
  const gemms = async (vars: tf.Variable[]) => {
    const xv = tf.variable(x.clone());
    const info = await tf.profile(() => { const r = tf.variableGrads(() => tf.sum(linear(xv, w as tf.Variable<tf.Rank.R2>, b)) as tf.Scalar, [xv, ...vars]); tf.dispose([r.value, ...Object.values(r.grads)]); });
    xv.dispose();
    return info.kernels.filter((k) => /MatMul/.test(k.name)).length;
  };
  // Forward GEMM + dx, and + dW when W trains: the frozen weight's gradient is never computed.
  assert.equal(await gemms([]), 2);
  assert.equal(await gemms([w]), 3);
  tf.dispose([x, w, b]);
});

test('Transpose: axis-group swaps (native) and every other permutation (stock), ranks 2-5', async () => {
  const { asSwap } = await import('../harness/backend/kernels/transpose.js');
  // The recognizer: [0,2,1,3] on [2,3,4,5] is a = 2, b = 3, c = 4, d = 5; a cyclic rank-3 permutation is a swap too.
  assert.deepEqual(asSwap([2, 3, 4, 5], [0, 2, 1, 3]), [2, 3, 4, 5]);
  assert.deepEqual(asSwap([2, 3, 4], [1, 2, 0]), [1, 2, 12, 1]);
  assert.equal(asSwap([2, 3, 4], [2, 1, 0]), null);
  const cases: Case[] = [];
  for (const [shape, perm] of [
    [[16, 64, 4, 32], [0, 2, 1, 3]], [[2, 4, 5, 16], [0, 2, 1, 3]], [[3, 8, 9], [1, 0, 2]], [[5, 7, 8, 16], [2, 3, 0, 1]],
    [[4, 6, 2, 3, 8], [0, 3, 4, 1, 2]], [[7, 9], [1, 0]], [[2, 3, 4], [2, 1, 0]], [[1, 5, 1, 16], [0, 2, 1, 3]], [[0, 3, 8], [1, 0, 2]],
  ] as [number[], number[]][]) {
    const v = data(shape);
    cases.push({ name: `transpose ${shape} by ${perm}`, run: () => tf.transpose(t(shape, v), perm) });
  }
  await compare(cases);
});

test('fused softmax over the last axis (forward and gradient) matches tf.softmax on cpu', async () => {
  const { softmax } = await import('../harness/backend/ops/index.js');
  const cases: Case[] = [];
  for (const shape of [[16, 4, 64, 64], [3, 7], [1, 1], [5, 1, 9], [0, 4]]) {
    const xv = data(shape, -20, 20), wv = data(shape);
    cases.push({ name: `softmax ${shape}`, run: () => softmax(t(shape, xv)) });
    cases.push({ name: `softmax ${shape} grad`, run: () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(softmax(x), t(shape, wv))))(t(shape, xv)) });
  }
  await compare(cases);
});

// The plain form losses.ts falls back to, and what tfjs `cpu` (no fused kernel) computes for every case below.
// tf.oneHot refuses a depth of 1, so the one-hot is written as labels == column (the same zeros and ones).
const plainNll = (x: tf.Tensor2D, labels: tf.Tensor1D) => {
  const oneHot = tf.cast(tf.equal(tf.expandDims(labels, 1), tf.range(0, x.shape[1], 1, 'int32')), 'float32');
  return tf.neg(tf.sum(tf.mul(tf.logSoftmax(x), oneHot), 1));
};

test('fused softmax cross-entropy: nll, log-sum-exp and gradient match the plain ops on cpu within 1e-5', async () => {
  const { softmaxNll, SOFTMAX_NLL } = await import('../harness/backend/ops/softmax_nll.js');
  const { hasKernel, runKernel } = await import('../harness/backend/ops/fused.js');
  const info = await initBackend(BACKEND);
  // Without the kernel every case compares the plain ops with themselves: where the pack is native it must be there.
  if (info.kernelPack === 'native') assert.ok(hasKernel(SOFTMAX_NLL), `the native pack on ${info.name} has no ${SOFTMAX_NLL}`);
  const nll = (x: tf.Tensor2D, l: tf.Tensor1D) => softmaxNll(x, l) ?? plainNll(x, l);
  const cases: Case[] = [];
  // Ragged widths (1, not a multiple of 8 or 16, one lane block plus a tail), a 32k vocabulary, and logits at ±80.
  for (const [n, c, lo, hi] of [[1, 1, -2, 2], [1, 7, -2, 2], [5, 17, -20, 20], [9, 100, -80, 80], [3, 32000, -10, 10], [4, 33, -80, 80], [6, 16, -2, 2]]) {
    const xv = data([n, c], lo, hi), dyv = data([n], 0.5, 2);
    // Every row's label, with −1 and C (out of range: nll 0, no gradient) where there are rows for them.
    const lv = Int32Array.from({ length: n }, (_, i) => (i === 1 ? -1 : i === 2 ? c : Math.floor(rand() * c)));
    const x = () => t([n, c], xv) as tf.Tensor2D, l = () => tf.tensor1d(lv, 'int32');
    const name = `softmaxNll ${n}×${c} in [${lo}, ${hi}]`;
    cases.push({ name, run: () => nll(x(), l()), tol: 1e-5 });
    cases.push({
      name: `${name} lse`, tol: 1e-5,
      run: () => (hasKernel(SOFTMAX_NLL) ? (runKernel(SOFTMAX_NLL, { logits: x(), labels: l() }) as tf.Tensor[])[1] : tf.logSumExp(x(), 1)),
    });
    cases.push({ name: `${name} grad`, run: () => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(nll(z as tf.Tensor2D, l()), t([n], dyv))))(x()), tol: 1e-5 });
  }
  await compare(cases);
  // ±80 saturates nothing: no inf or NaN anywhere, and the gradient of a row still sums to 0 (softmax sums to 1)
  const x = tf.tensor2d([[80, -80, 0, 80], [-80, -80, -80, -80]]), l = tf.tensor1d([1, 3], 'int32');
  const [loss, g] = tf.tidy(() => [nll(x, l), tf.grad((z: tf.Tensor) => tf.sum(nll(z as tf.Tensor2D, l)))(x)]);
  const lv = loss.dataSync() as Float32Array, gv = g.dataSync() as Float32Array;
  assert.ok([...lv, ...gv].every(Number.isFinite), `non-finite values: nll ${lv}, grad ${gv}`);
  assert.ok(Math.abs(lv[0] - (160 + Math.log(2))) < 1e-4 && Math.abs(lv[1] - Math.log(4)) < 1e-6, `nll ${lv}`);
  // (to 1e-5: the saved lse is a float32 near 80, and its rounding, up to 3.8e-6, shows in exp(x − lse))
  for (let r = 0; r < 2; r++) assert.ok(Math.abs(gv.slice(r * 4, r * 4 + 4).reduce((a, b) => a + b, 0)) < 1e-5, `row ${r} of the gradient: ${gv}`);
  tf.dispose([x, l, loss, g]);
});

test('crossEntropy and causalNll run the fused kernels: no OneHot or LogSoftmax, one [N, C] tensor per step', async (t) => {
  const { SOFTMAX_NLL, SOFTMAX_NLL_GRAD } = await import('../harness/backend/ops/softmax_nll.js');
  const { crossEntropy, causalNll } = await import('../harness/train/objectives/losses.js');
  const { Model } = await import('../harness/model/model.js');
  const { tinyConfig } = await import('./helpers/tiny.js');
  const info = await initBackend(BACKEND);
  if (info.kernelPack !== 'native') return t.skip(`the ${info.kernelPack} kernel pack has no fused softmax cross-entropy`);
  const [n, c] = [24, 300];
  const x = tf.variable(tf.randomNormal([n, c])), labels = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7) % c), 'int32');
  const step = (loss: () => tf.Scalar, vars: tf.Variable[]) => tf.profile(() => {
    const r = tf.variableGrads(loss, vars);
    tf.dispose([r.value, ...Object.values(r.grads)]);
  });
  const ce = await step(() => crossEntropy(x as tf.Tensor2D, labels), [x]);
  const names = ce.kernels.map((k) => k.name);
  assert.ok(names.includes(SOFTMAX_NLL) && names.includes(SOFTMAX_NLL_GRAD), `crossEntropy ran ${names.join(', ')}`);
  assert.ok(!names.some((k) => /OneHot|LogSoftmax|Tile/.test(k)), `crossEntropy still ran plain ops: ${names.join(', ')}`);
  // Kernels that write a new [N, C] tensor (Identity and Reshape share their input's data): the plain form writes the
  // log-probabilities, the one-hot, their product and more in the backward; fused, dlogits is the only one.
  const big = (p: Awaited<ReturnType<typeof tf.profile>>) => p.kernels.filter((k) => !/^(Identity|Reshape)$/.test(k.name) &&
    k.outputShapes.some((s) => s.length === 2 && s[0] === n && s[1] === c)).length;
  assert.equal(big(ce), 1, `crossEntropy's step wrote ${big(ce)} [${n}, ${c}] tensors`);

  const m = new Model({ ...tinyConfig('decoder'), maxLen: 16 }, 7);
  const ids = tf.tensor2d(Array.from({ length: 2 * 9 }, (_, i) => (i * 5) % 40), [2, 9], 'int32');
  const mask = tf.tensor2d(Array.from({ length: 2 * 9 }, (_, i) => (i < 15 ? 1 : 0)), [2, 9]);
  const b = { ids, mask, labels: ids, tokens: 15 };
  const lm = await step(() => { const { nll, valid } = causalNll(m, b); return tf.div(tf.sum(nll), tf.sum(valid)) as tf.Scalar; }, [...m.params.values()] as tf.Variable[]);
  const lmNames = lm.kernels.map((k) => k.name);
  assert.ok(lmNames.includes(SOFTMAX_NLL) && lmNames.includes(SOFTMAX_NLL_GRAD), `causalNll ran ${lmNames.join(', ')}`);
  assert.ok(!lmNames.some((k) => /OneHot|LogSoftmax/.test(k)), `causalNll still ran plain ops: ${lmNames.join(', ')}`);
  tf.dispose([x, labels, ids, mask]);
  m.dispose();
});

test('GEMMs big enough to split across threads: row, column and batch pieces, transposes, broadcasting, bias', async () => {
  // Pieces are cut per thread (FTBENCH_THREADS, set to 3 at the top of this file: uneven pieces on any machine).
  const cases: Case[] = [];
  const shapes: [number[], number[], boolean, boolean][] = [
    [[300, 70], [70, 90], false, false], [[70, 300], [70, 90], true, false], [[300, 70], [90, 70], false, true], [[70, 300], [90, 70], true, true], // rows
    [[8, 600], [600, 100], false, false], [[600, 8], [100, 600], true, true], // columns (too few rows)
    [[5, 40, 50], [5, 50, 30], false, false], [[5, 50, 40], [5, 30, 50], true, true], [[2, 1, 40, 60], [1, 3, 60, 50], false, false], // batch
    [[4, 64, 128], [128, 64], false, false], // one shared right operand: a single tall GEMM, cut by rows
  ];
  for (const [aShape, bShape, ta, tb] of shapes) {
    const av = data(aShape), bv = data(bShape);
    cases.push({
      name: `matMul ${aShape}${ta ? 'ᵀ' : ''} × ${bShape}${tb ? 'ᵀ' : ''}`,
      run: () => tf.matMul(t(aShape, av), t(bShape, bv), ta, tb),
      reference: () => matMulReference(aShape, av, bShape, bv, ta, tb),
      floor: 1e-2,
    });
  }
  for (const [aShape, bShape, activation] of [[[300, 70], [70, 90], 'relu'], [[8, 600], [600, 100], 'elu']] as const) {
    const av = data([...aShape]), bv = data([...bShape]), cv = data([bShape[1]], -4, 4);
    cases.push({
      name: `fused ${activation} row bias ${aShape} × ${bShape}`,
      run: () => tf.fused.matMul({ a: t([...aShape], av) as tf.Tensor2D, b: t([...bShape], bv) as tf.Tensor2D, bias: t([bShape[1]], cv), activation }),
      floor: 1e-2,
    });
  }
  await compare(cases);
});

test('elementwise, normalisation, sum and AdamW kernels big enough to split across threads', async () => {
  const { layerNorm, gelu, adamwUpdate } = await import('../harness/backend/ops/index.js');
  const cases: Case[] = [];
  const big = [300, 700];
  const xv = data(big, -5, 5);
  cases.push({ name: 'tanh big', run: () => tf.tanh(t(big, xv)) }, { name: 'exp big', run: () => tf.exp(t(big, xv)) });
  const av = data(big), bv = data(big, 0.5, 2), rv = data([700], 0.5, 2);
  for (const [name, op] of Object.entries({ add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div })) {
    cases.push({ name: `${name} big same shape`, run: () => op(t(big, av), t(big, bv)) });
    cases.push({ name: `${name} big row`, run: () => op(t(big, av), t([700], rv)) });
    cases.push({ name: `${name} big scalar first`, run: () => op(tf.scalar(1.5), t(big, bv)) });
  }
  cases.push({ name: 'sum big axis 0', run: () => tf.sum(t(big, av), 0) }, { name: 'sum big axis 1', run: () => tf.sum(t(big, av), 1) });
  const ln = [2000, 100];
  const lx = data(ln, -3, 3), lg = data([100], 0.5, 1.5), lb = data([100]), lw = data(ln);
  const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layerNorm(x, g, b, 1e-5), t(ln, lw)));
  cases.push({ name: 'layerNorm big', run: () => layerNorm(t(ln, lx), t([100], lg), t([100], lb), 1e-5), floor: 1e-2 });
  for (const i of [0, 1, 2]) cases.push({ name: `layerNorm big grad ${i}`, run: () => tf.grads(f)([t(ln, lx), t([100], lg), t([100], lb)])[i], floor: 1e-2 });
  cases.push({ name: 'gelu big', run: () => gelu(t(big, xv)) });
  cases.push({ name: 'gelu big grad', run: () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(gelu(x), t(big, av))))(t(big, xv)), floor: 1e-2 });
  const n = [200_000];
  const [pv, gv, mv, vv] = [data(n), data(n), data(n, -0.1, 0.1), data(n, 0, 0.01)];
  const attrs = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 0.1, c2: 0.001, decay: 0.999 };
  for (const i of [0, 1, 2]) cases.push({ name: `adamw big out ${i}`, run: () => adamwUpdate(t(n, pv), t(n, gv), t(n, mv), t(n, vv), attrs)[i] });
  await compare(cases);
});

test('Slice, SplitV, Concat and PadV2 (strided copies) for float32 and int32, ranks 1-4, empty parts', async () => {
  const cases: Case[] = [];
  const ints = (shape: number[]) => { const v = Int32Array.from(data(shape, -50, 50), Math.round); return () => tf.tensor(v, shape, 'int32'); };
  for (const [shape, begin, size] of [[[7], [2], [4]], [[5, 6], [1, 2], [3, -1]], [[3, 4, 5], [0, 1, 2], [3, 2, 3]], [[2, 3, 4, 5], [1, 0, 1, 0], [1, 3, 2, 5]], [[4, 4], [1, 1], [0, 2]]] as [number[], number[], number[]][]) {
    const v = data(shape);
    cases.push({ name: `slice ${shape} at ${begin} size ${size}`, run: () => tf.slice(t(shape, v), begin, size) });
    const ti = ints(shape);
    cases.push({ name: `slice int32 ${shape}`, run: () => tf.slice(ti(), begin, size) });
  }
  for (const [shape, sizes, axis] of [[[2, 3, 4, 8], [4, 4], 3], [[6, 5], [1, 0, 5], 0], [[2, 6, 3], 3, 1], [[4, 7], [2, -1], -1]] as [number[], number | number[], number][]) {
    const v = data(shape);
    const parts = typeof sizes === 'number' ? sizes : sizes.length;
    for (let i = 0; i < parts; i++) cases.push({ name: `split ${shape} by ${sizes} on ${axis}, part ${i}`, run: () => tf.split(t(shape, v), sizes, axis)[i] });
    const ti = ints(shape);
    cases.push({ name: `split int32 ${shape}`, run: () => tf.split(ti(), sizes, axis)[parts - 1] });
  }
  for (const [shapes, axis] of [[[[3], [4]], 0], [[[2, 3], [2, 5], [2, 1]], 1], [[[2, 3, 4], [1, 3, 4]], 0], [[[2, 3, 4], [2, 3, 2]], -1], [[[2, 0, 4], [2, 3, 4]], 1]] as [number[][], number][]) {
    const vs = shapes.map((s) => data(s));
    cases.push({ name: `concat ${shapes.join(' + ')} on ${axis}`, run: () => tf.concat(shapes.map((s, i) => t(s, vs[i])), axis) });
    const tis = shapes.map(ints);
    cases.push({ name: `concat int32 ${shapes.join(' + ')}`, run: () => tf.concat(tis.map((ti) => ti()), axis) });
  }
  for (const [shape, pads] of [[[5], [[2, 1]]], [[3, 4], [[0, 0], [1, 2]]], [[2, 3, 4], [[1, 0], [0, 2], [3, 1]]], [[16, 1, 8], [[0, 0], [0, 3], [0, 0]]]] as [number[], [number, number][]][]) {
    const v = data(shape);
    cases.push({ name: `pad ${shape} by ${pads}`, run: () => tf.pad(t(shape, v), pads, 0.5) });
    const ti = ints(shape);
    cases.push({ name: `pad int32 ${shape}`, run: () => tf.pad(ti(), pads, 3) });
  }
  await compare(cases);
});

test('Maximum/Minimum/SquaredDifference and strided broadcasts of every binary op (ranks 0-4, int32)', async () => {
  const cases: Case[] = [];
  const ops = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div, max: tf.maximum, min: tf.minimum, sqdiff: tf.squaredDifference } as const;
  for (const [name, op] of Object.entries(ops)) {
    for (const [as, bs] of [[[3, 5], [3, 5]], [[3, 5], [5]], [[], [3, 5]], [[], []], [[2, 4, 3, 3], [2, 1, 1, 3]], [[2, 1, 3, 1], [1, 4, 1, 5]], [[4, 1], [3]], [[0, 5], [5]]]) {
      const av = data(as), bv = data(bs, 0.5, 2);
      cases.push({ name: `${name} ${as} ${bs}`, run: () => op(t(as, av), t(bs, bv)) });
    }
    cases.push({ name: `${name} int32`, run: () => op(tf.tensor1d([7, 9, -4], 'int32'), tf.tensor1d([2, 3, 3], 'int32')) });
  }
  await compare(cases);
});

test('native kernels read float32 tensors cast from bool or int32 (the stock Cast shares their data unconverted)', async () => {
  const v = data([4, 6]);
  const ids = Int32Array.from({ length: 24 }, (_, i) => (i * 7) % 11 - 5);
  await compare([
    { name: 'bool mask × scalar', run: () => tf.mul(tf.cast(tf.greater(t([4, 6], v), 0), 'float32'), -1e9) },
    { name: 'int32 cast + float', run: () => tf.add(tf.cast(tf.tensor(ids, [4, 6], 'int32'), 'float32'), t([4, 6], v)) },
    { name: 'int32 cast matmul', run: () => tf.matMul(tf.cast(tf.tensor(ids, [4, 6], 'int32'), 'float32'), t([4, 6], v), false, true) },
    { name: 'int32 cast transpose', run: () => tf.transpose(tf.cast(tf.tensor(ids, [4, 6], 'int32'), 'float32')) },
  ]);
});
