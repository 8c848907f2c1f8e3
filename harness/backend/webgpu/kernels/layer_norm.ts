// FtbLayerNorm / FtbLayerNormGrad on WebGPU: one dispatch for y, mean and rstd; one per gradient part (the tape asks
// for them separately), where tfjs's plain-op form takes ~10 dispatches forward and ~20 backward.
import * as tf from '@tensorflow/tfjs';
import { LAYER_NORM, LAYER_NORM_GRAD } from '../../kernels/layer_norm.js';
import { grid, launch, output } from '../runner.js';
import { columnSum, perRow } from './wgsl.js';

const U = 'rows: u32, d: u32, eps: f32';

const FORWARD = perRow({
  outputs: ['y', 'mean', 'rstd'], inputs: ['x', 'gamma', 'beta'], uniforms: U, width: 'u.d',
  body: /* wgsl */ `
  var s = 0.0;
  for (var j = lid; j < u.d; j += RW) { s += x[o + j]; }
  let mu = wgSum(s, lid) / f32(u.d);
  var q = 0.0;
  for (var j = lid; j < u.d; j += RW) { let c = x[o + j] - mu; q += c * c; }
  let r = 1.0 / sqrt(wgSum(q, lid) / f32(u.d) + u.eps);
  for (var j = lid; j < u.d; j += RW) { y[o + j] = (x[o + j] - mu) * r * gamma[j] + beta[j]; }
  if (lid == 0u) { mean[row] = mu; rstd[row] = r; }`,
});

const GRADS = ['dy', 'x', 'gamma', 'mean', 'rstd'];

// dx = rstd · (dy·γ − mean(dy·γ) − x̂ · mean(dy·γ·x̂)), one workgroup per row.
const GRAD_X = perRow({
  outputs: ['dx'], inputs: GRADS, uniforms: U, width: 'u.d',
  body: /* wgsl */ `
  let mu = mean[row];
  let r = rstd[row];
  var a = 0.0;
  var b = 0.0;
  for (var j = lid; j < u.d; j += RW) {
    let gy = dy[o + j] * gamma[j];
    a += gy;
    b += gy * (x[o + j] - mu) * r;
  }
  let ma = wgSum(a, lid) / f32(u.d);
  let mb = wgSum(b, lid) / f32(u.d);
  for (var j = lid; j < u.d; j += RW) {
    dx[o + j] = r * (dy[o + j] * gamma[j] - ma - (x[o + j] - mu) * r * mb);
  }`,
});

// dγ[j] = Σ_rows dy·x̂ (part 1) or dβ[j] = Σ_rows dy (part 2): one workgroup per column.
const GRAD_PARAM = [
  GRAD_X,
  columnSum({ out: 'dp', inputs: GRADS, uniforms: U, term: 'dy[r * u.d + j] * (x[r * u.d + j] - mean[r]) * rstd[r]' }),
  columnSum({ out: 'dp', inputs: GRADS, uniforms: U, term: 'dy[r * u.d + j]' }),
];

type Info = tf.TensorInfo;

export const layerNormWebgpu: tf.KernelConfig[] = [
  {
    kernelName: LAYER_NORM,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, gamma, beta } = inputs as Record<string, Info>;
      const d = x.shape[x.shape.length - 1], rows = d === 0 ? 0 : tf.util.sizeFromShape(x.shape) / d;
      const y = output(backend, x.shape), mean = output(backend, [rows]), rstd = output(backend, [rows]);
      if (rows > 0) {
        launch(backend, { code: FORWARD, outputs: [y, mean, rstd], inputs: [x, gamma, beta], uniforms: { u32: [rows, d], f32: [(attrs as unknown as { eps: number }).eps] }, groups: grid(rows) });
      }
      return [y, mean, rstd];
    },
  },
  {
    kernelName: LAYER_NORM_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, x, gamma, mean, rstd } = inputs as Record<string, Info>;
      const part = (attrs as unknown as { part: 0 | 1 | 2 }).part;
      const d = x.shape[x.shape.length - 1], rows = d === 0 ? 0 : tf.util.sizeFromShape(x.shape) / d;
      const out = output(backend, part === 0 ? x.shape : [d]);
      if (rows > 0) {
        launch(backend, { code: GRAD_PARAM[part], outputs: [out], inputs: [dy, x, gamma, mean, rstd], uniforms: { u32: [rows, d], f32: [0] }, groups: grid(part === 0 ? rows : d) });
      }
      return out;
    },
  },
];
