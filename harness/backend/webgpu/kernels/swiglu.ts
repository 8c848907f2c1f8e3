// FtbSwiglu / FtbSwigluGrad on WebGPU: silu(g)·u in one elementwise dispatch, each gradient part in one, where the
// plain ops take 3 forward and ~8 backward. The up projection is `up` in WGSL, where `u` names the uniforms.
import * as tf from '@tensorflow/tfjs';
import { SWIGLU, SWIGLU_GRAD } from '../../ops/swiglu.js';
import { WG, grid, launch, output } from '../runner.js';
import { elementwise } from './wgsl.js';

const HEAD = /* wgsl */ `
fn sigmoid(v: f32) -> f32 { return 1.0 / (1.0 + exp(-v)); } // exp(-v) is inf for v < -88: σ = 0, as it should
`;

const FORWARD = elementwise({
  outputs: ['y'], inputs: ['g', 'up'], uniforms: 'n: u32', head: HEAD, count: 'u.n',
  body: /* wgsl */ `
  let v = g[i];
  y[i] = v * sigmoid(v) * up[i];`,
});

// d/dg = dy·u·σ(g)(1 + g(1 − σ(g))), d/du = dy·g·σ(g)
const backward = (part: 0 | 1) => elementwise({
  outputs: ['d'], inputs: ['dy', 'g', 'up'], uniforms: 'n: u32', head: HEAD, count: 'u.n',
  body: /* wgsl */ `
  let v = g[i];
  let s = sigmoid(v);
  d[i] = ${part === 0 ? 'dy[i] * up[i] * s * (1.0 + v * (1.0 - s))' : 'dy[i] * v * s'};`,
});
const BACKWARD = [backward(0), backward(1)];

type Info = tf.TensorInfo;

export const swigluWebgpu: tf.KernelConfig[] = [
  {
    kernelName: SWIGLU,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { g, u } = inputs as Record<string, Info>;
      const n = tf.util.sizeFromShape(g.shape);
      const y = output(backend, g.shape);
      launch(backend, { code: FORWARD, outputs: [y], inputs: [g, u], uniforms: { u32: [n] }, groups: grid(Math.ceil(n / WG)) });
      return y;
    },
  },
  {
    kernelName: SWIGLU_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, g, u } = inputs as Record<string, Info>;
      const n = tf.util.sizeFromShape(g.shape);
      const d = output(backend, g.shape);
      launch(backend, { code: BACKWARD[(attrs as unknown as { part: 0 | 1 }).part], outputs: [d], inputs: [dy, g, u], uniforms: { u32: [n] }, groups: grid(Math.ceil(n / WG)) });
      return d;
    },
  },
];
