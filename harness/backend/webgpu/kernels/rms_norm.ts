// FtbRmsNorm / FtbRmsNormGrad on WebGPU: y and rstd in one dispatch (a workgroup per row), one per gradient part,
// where the plain-op form takes 6 forward and ~12 backward.
import * as tf from '@tensorflow/tfjs';
import { RMS_NORM, RMS_NORM_GRAD } from '../../ops/rms_norm.js';
import { grid, launch, output } from '../runner.js';
import { columnSum, perRow } from './wgsl.js';

const U = 'rows: u32, d: u32, eps: f32';

const FORWARD = perRow({
  outputs: ['y', 'rstd'], inputs: ['x', 'gamma'], uniforms: U, width: 'u.d',
  body: /* wgsl */ `
  var s = 0.0;
  for (var j = lid; j < u.d; j += RW) { let v = x[o + j]; s += v * v; }
  let r = 1.0 / sqrt(wgSum(s, lid) / f32(u.d) + u.eps);
  for (var j = lid; j < u.d; j += RW) { y[o + j] = x[o + j] * r * gamma[j]; }
  if (lid == 0u) { rstd[row] = r; }`,
});

const GRADS = ['dy', 'x', 'gamma', 'rstd'];

// dx = r·(dy·γ − x·r²·mean(dy·γ·x)), a workgroup per row.
const GRAD_X = perRow({
  outputs: ['dx'], inputs: GRADS, uniforms: U, width: 'u.d',
  body: /* wgsl */ `
  let r = rstd[row];
  var s = 0.0;
  for (var j = lid; j < u.d; j += RW) { s += dy[o + j] * gamma[j] * x[o + j]; }
  let c = wgSum(s, lid) / f32(u.d) * r * r;
  for (var j = lid; j < u.d; j += RW) { dx[o + j] = r * (dy[o + j] * gamma[j] - x[o + j] * c); }`,
});

// dγ[j] = Σ_rows dy·x·rstd: a workgroup per column.
const GRAD_G = columnSum({ out: 'dg', inputs: GRADS, uniforms: U, term: 'dy[r * u.d + j] * x[r * u.d + j] * rstd[r]' });

type Info = tf.TensorInfo;
const rowsOf = (x: Info) => tf.util.sizeFromShape(x.shape) / x.shape[x.shape.length - 1];

export const rmsNormWebgpu: tf.KernelConfig[] = [
  {
    kernelName: RMS_NORM,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, gamma } = inputs as Record<string, Info>;
      const d = x.shape[x.shape.length - 1], rows = rowsOf(x); // the op sends no empty x
      const y = output(backend, x.shape), rstd = output(backend, [rows]);
      launch(backend, { code: FORWARD, outputs: [y, rstd], inputs: [x, gamma], uniforms: { u32: [rows, d], f32: [(attrs as unknown as { eps: number }).eps] }, groups: grid(rows) });
      return [y, rstd];
    },
  },
  {
    kernelName: RMS_NORM_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, x, gamma, rstd } = inputs as Record<string, Info>;
      const part = (attrs as unknown as { part: 0 | 1 }).part;
      const d = x.shape[x.shape.length - 1], rows = rowsOf(x);
      const out = output(backend, part === 0 ? x.shape : [d]);
      launch(backend, { code: part === 0 ? GRAD_X : GRAD_G, outputs: [out], inputs: [dy, x, gamma, rstd], uniforms: { u32: [rows, d], f32: [0] }, groups: grid(part === 0 ? rows : d) });
      return out;
    },
  },
];
