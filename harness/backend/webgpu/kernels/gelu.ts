// FtbGelu / FtbGeluGrad on WebGPU (tanh form): one elementwise dispatch each, where tfjs's plain ops take 8 and ~15.
import * as tf from '@tensorflow/tfjs';
import { GELU, GELU_GRAD } from '../../kernels/gelu.js';
import { WG, grid, launch, output } from '../runner.js';
import { elementwise } from './wgsl.js';

// tanh of |u| > 10 is ±1 in float32; clamping keeps tanh's exp(2u) from overflowing on drivers that compute it so.
const COMMON = /* wgsl */ `
const K: f32 = 0.7978845608028654; // √(2/π)
fn inner(x: f32) -> f32 { return clamp(K * (x + 0.044715 * x * x * x), -10.0, 10.0); }`;

const FORWARD = elementwise({
  outputs: ['y'], inputs: ['x'], uniforms: 'n: u32', head: COMMON, count: 'u.n',
  body: /* wgsl */ `
  let v = x[i];
  y[i] = 0.5 * v * (1.0 + tanh(inner(v)));`,
});

// d/dx ½x(1 + tanh u) = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)
const BACKWARD = elementwise({
  outputs: ['dx'], inputs: ['dy', 'x'], uniforms: 'n: u32', head: COMMON, count: 'u.n',
  body: /* wgsl */ `
  let v = x[i];
  let t = tanh(inner(v));
  dx[i] = dy[i] * (0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * K * (1.0 + 3.0 * 0.044715 * v * v));`,
});

type Info = tf.TensorInfo;

export const geluWebgpu: tf.KernelConfig[] = [
  {
    kernelName: GELU,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as { x: Info };
      const n = tf.util.sizeFromShape(x.shape);
      const y = output(backend, x.shape);
      if (n > 0) launch(backend, { code: FORWARD, outputs: [y], inputs: [x], uniforms: { u32: [n] }, groups: grid(Math.ceil(n / WG)) });
      return y;
    },
  },
  {
    kernelName: GELU_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x } = inputs as { dy: Info; x: Info };
      const n = tf.util.sizeFromShape(x.shape);
      const dx = output(backend, x.shape);
      if (n > 0) launch(backend, { code: BACKWARD, outputs: [dx], inputs: [dy, x], uniforms: { u32: [n] }, groups: grid(Math.ceil(n / WG)) });
      return dx;
    },
  },
];
