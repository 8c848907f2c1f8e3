// FtbSoftmaxNll / FtbSoftmaxNllGrad on WebGPU: a workgroup per row computes its log-sum-exp and −log p[label] in one
// dispatch; the gradient dy·(softmax − one-hot) in one more, from the saved log-sum-exp. tfjs's plain form
// (logSoftmax, oneHot, mul, sum, neg) takes 8 forward and ~10 backward and writes two [N,C] tensors each way.
import * as tf from '@tensorflow/tfjs';
import { SOFTMAX_NLL, SOFTMAX_NLL_GRAD } from '../../ops/softmax_nll.js';
import { GROUP_INDEX, WG, bindings, grid, launch, output } from '../runner.js';
import { RW, WORKGROUP_REDUCE } from './reduce.js';

const U = 'rows: u32, c: u32';
const I32 = { labels: 'i32' };

const FORWARD = /* wgsl */ `
${bindings(['nll', 'lse'], ['logits', 'labels'], U, I32)}
${WORKGROUP_REDUCE}
${GROUP_INDEX}
@compute @workgroup_size(${RW})
fn main(@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = min(groupIndex(w, n), u.rows - 1u);
  let o = row * u.c;
  var m = -3.4e38;
  for (var j = lid; j < u.c; j += RW) { m = max(m, logits[o + j]); }
  m = wgMax(m, lid);
  var s = 0.0;
  for (var j = lid; j < u.c; j += RW) { s += exp(logits[o + j] - m); }
  let l = m + log(wgSum(s, lid));
  if (lid == 0u) {
    let y = labels[row];
    let valid = y >= 0 && u32(y) < u.c;
    lse[row] = l;
    nll[row] = select(0.0, l - logits[o + select(0u, u32(y), valid)], valid);
  }
}`;

// dlogits = dy·(exp(x − lse) − [j = label]); a row whose label is out of range has no gradient.
const BACKWARD = /* wgsl */ `
${bindings(['dx'], ['dy', 'logits', 'labels', 'lse'], U, I32)}
${GROUP_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(w, n) * ${WG}u + lid;
  if (i >= u.rows * u.c) { return; }
  let row = i / u.c;
  let y = labels[row];
  let valid = y >= 0 && u32(y) < u.c;
  let p = exp(logits[i] - lse[row]) - select(0.0, 1.0, valid && u32(y) == i % u.c);
  dx[i] = select(0.0, dy[row] * p, valid);
}`;

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
