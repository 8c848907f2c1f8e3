// FtbSoftmaxNll / FtbSoftmaxNllGrad on WebGPU: a workgroup per row computes its log-sum-exp and −log p[label] in one
// dispatch; the gradient dy·(softmax − one-hot) in one more, from the saved log-sum-exp. tfjs's plain form
// (logSoftmax, oneHot, mul, sum, neg) takes 8 forward and ~10 backward and writes two [N,C] tensors each way.
import * as tf from '@tensorflow/tfjs';
import { SOFTMAX_NLL, SOFTMAX_NLL_GRAD } from '../../ops/softmax_nll.js';
import { WG, grid, launch, output } from '../runner.js';
import { elementwise, perRow, rowMaxAndExpSum } from './wgsl.js';

const U = 'rows: u32, c: u32';
const I32 = { labels: 'i32' };

const FORWARD = perRow({
  outputs: ['nll', 'lse'], inputs: ['logits', 'labels'], uniforms: U, types: I32, width: 'u.c',
  body: /* wgsl */ `${rowMaxAndExpSum('logits', 'u.c')}
  let l = m + log(wgSum(s, lid));
  if (lid == 0u) {
    let y = labels[row];
    let valid = y >= 0 && u32(y) < u.c;
    lse[row] = l;
    nll[row] = select(0.0, l - logits[o + select(0u, u32(y), valid)], valid);
  }`,
});

// dlogits = dy·(exp(x − lse) − [j = label]); a row whose label is out of range has no gradient.
const BACKWARD = elementwise({
  outputs: ['dx'], inputs: ['dy', 'logits', 'labels', 'lse'], uniforms: U, types: I32, count: 'u.rows * u.c',
  body: /* wgsl */ `
  let row = i / u.c;
  let y = labels[row];
  let valid = y >= 0 && u32(y) < u.c;
  let p = exp(logits[i] - lse[row]) - select(0.0, 1.0, valid && u32(y) == i % u.c);
  dx[i] = select(0.0, dy[row] * p, valid);`,
});

type Info = tf.TensorInfo;

export const softmaxNllWebgpu: tf.KernelConfig[] = [
  {
    kernelName: SOFTMAX_NLL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { logits, labels } = inputs as Record<string, Info>;
      const [rows, c] = logits.shape;
      const nll = output(backend, [rows]), lse = output(backend, [rows]);
      launch(backend, { code: FORWARD, outputs: [nll, lse], inputs: [logits, labels], uniforms: { u32: [rows, c] }, groups: grid(rows) });
      return [nll, lse];
    },
  },
  {
    kernelName: SOFTMAX_NLL_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, logits, labels, lse } = inputs as Record<string, Info>;
      const [rows, c] = logits.shape;
      const dx = output(backend, logits.shape);
      launch(backend, { code: BACKWARD, outputs: [dx], inputs: [dy, logits, labels, lse], uniforms: { u32: [rows, c] }, groups: grid(Math.ceil((rows * c) / WG)) });
      return dx;
    },
  },
];
