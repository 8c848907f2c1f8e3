// FtbAdamW on WebGPU: p', m', v' of one parameter in one dispatch, where the plain-op form takes 12; and
// FtbAdamWGroup: the same update for several parameters per dispatch, as many as the device lets one dispatch bind
// (7 storage buffers each: p, g, m, v in, p', m', v' out).
import * as tf from '@tensorflow/tfjs';
import { ADAMW, ADAMW_GROUP, type AdamWAttrs, type AdamWGroupAttrs } from '../../kernels/adamw.js';
import { WG, chunks, grid, launch, output, range, storageRoom } from '../runner.js';
import { elementwise } from './wgsl.js';

// k parameters, thread i updating element i of each parameter that long: the grid is sized for the largest.
// One parameter's arithmetic is written once, so that grouped and single updates agree to the bit.
const update = (k: number) => elementwise({
  outputs: range(k).flatMap((j) => [`p${j}o`, `m${j}o`, `v${j}o`]),
  inputs: range(k).flatMap((j) => [`p${j}`, `g${j}`, `m${j}`, `v${j}`]),
  uniforms: `${range(k).map((j) => `n${j}: u32, `).join('')}nmax: u32, beta1: f32, beta2: f32, eps: f32, ${range(k).map((j) => `lr${j}: f32, c1${j}: f32, c2${j}: f32, decay${j}: f32`).join(', ')}`,
  count: 'u.nmax',
  body: range(k).map((j) => /* wgsl */ `
  if (i < u.n${j}) {
    let gi = g${j}[i];
    let mi = m${j}[i] * u.beta1 + gi * (1.0 - u.beta1);
    let vi = v${j}[i] * u.beta2 + gi * gi * (1.0 - u.beta2);
    m${j}o[i] = mi;
    v${j}o[i] = vi;
    p${j}o[i] = p${j}[i] * u.decay${j} - (mi / u.c1${j}) / (sqrt(vi / u.c2${j}) + u.eps) * u.lr${j};
  }`).join(''),
});

const codes = new Map<number, string>();
const codeFor = (k: number) => codes.get(k) ?? codes.set(k, update(k)).get(k)!;

/** Parameters one FtbAdamWGroup dispatch updates on `backend`'s device. */
export function adamwGroupCapacity(backend: unknown): number {
  return Math.max(1, Math.floor(storageRoom(backend) / 7));
}

interface Param { p: tf.TensorInfo; g: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo; lr: number; c1: number; c2: number; decay: number }

// One dispatch for up to adamwGroupCapacity parameters; their three outputs each, in order.
function launchUpdate(backend: unknown, ps: Param[], a: { beta1: number; beta2: number; eps: number }): tf.TensorInfo[] {
  const outs = ps.flatMap((q) => [output(backend, q.p.shape), output(backend, q.p.shape), output(backend, q.p.shape)]);
  const sizes = ps.map((q) => tf.util.sizeFromShape(q.p.shape));
  const nmax = Math.max(...sizes);
  if (nmax > 0) {
    launch(backend, {
      code: codeFor(ps.length), outputs: outs, inputs: ps.flatMap((q) => [q.p, q.g, q.m, q.v]),
      uniforms: { u32: [...sizes, nmax], f32: [a.beta1, a.beta2, a.eps, ...ps.flatMap((q) => [q.lr, q.c1, q.c2, q.decay])] },
      groups: grid(Math.ceil(nmax / WG)),
    });
  }
  return outs;
}

export const adamwWebgpu: tf.KernelConfig[] = [
  {
    kernelName: ADAMW,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { p, g, m, v } = inputs as Record<string, tf.TensorInfo>;
      const a = attrs as unknown as AdamWAttrs;
      return launchUpdate(backend, [{ p, g, m, v, lr: a.lr, c1: a.c1, c2: a.c2, decay: a.decay }], a);
    },
  },
  {
    // Inputs p0, g0, m0, v0, p1, …; outputs p0', m0', v0', p1', …
    kernelName: ADAMW_GROUP,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as AdamWGroupAttrs;
      const x = inputs as Record<string, tf.TensorInfo>;
      const ps: Param[] = a.lr.map((lr, j) => ({ p: x[`p${j}`], g: x[`g${j}`], m: x[`m${j}`], v: x[`v${j}`], lr, c1: a.c1[j], c2: a.c2[j], decay: a.decay[j] }));
      return chunks(ps, adamwGroupCapacity(backend)).flatMap((part) => launchUpdate(backend, part, a));
    },
  },
];
