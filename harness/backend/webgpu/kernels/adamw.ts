// FtbAdamW on WebGPU: p', m', v' of one parameter in one dispatch, where the plain-op form takes 12.
import * as tf from '@tensorflow/tfjs';
import { ADAMW, type AdamWAttrs } from '../../kernels/adamw.js';
import { WG, grid, launch, output } from '../runner.js';
import { elementwise } from './wgsl.js';

const CODE = elementwise({
  outputs: ['p2', 'm2', 'v2'], inputs: ['p', 'g', 'm', 'v'], uniforms: 'n: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, c1: f32, c2: f32, decay: f32', count: 'u.n',
  body: /* wgsl */ `
  let gi = g[i];
  let mi = m[i] * u.beta1 + gi * (1.0 - u.beta1);
  let vi = v[i] * u.beta2 + gi * gi * (1.0 - u.beta2);
  m2[i] = mi;
  v2[i] = vi;
  p2[i] = p[i] * u.decay - (mi / u.c1) / (sqrt(vi / u.c2) + u.eps) * u.lr;`,
});

export const adamwWebgpu: tf.KernelConfig = {
  kernelName: ADAMW,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { p, g, m, v } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as AdamWAttrs;
    const n = tf.util.sizeFromShape(p.shape);
    const outs = [output(backend, p.shape), output(backend, p.shape), output(backend, p.shape)];
    if (n > 0) {
      launch(backend, {
        code: CODE, outputs: outs, inputs: [p, g, m, v],
        uniforms: { u32: [n], f32: [a.lr, a.beta1, a.beta2, a.eps, a.c1, a.c2, a.decay] }, groups: grid(Math.ceil(n / WG)),
      });
    }
    return outs;
  },
};
