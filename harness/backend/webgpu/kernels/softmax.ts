// FtbSoftmax / FtbSoftmaxGrad on WebGPU over the last axis: one dispatch each (a workgroup per row), where tfjs takes
// 3 forward and 4 backward.
import * as tf from '@tensorflow/tfjs';
import { SOFTMAX, SOFTMAX_GRAD } from '../../kernels/softmax.js';
import { GROUP_INDEX, bindings, grid, launch, output } from '../runner.js';
import { RW, WORKGROUP_REDUCE } from './reduce.js';

const U = 'rows: u32, d: u32';

const FORWARD = /* wgsl */ `
${bindings(['y'], ['x'], U)}
${WORKGROUP_REDUCE}
${GROUP_INDEX}
@compute @workgroup_size(${RW})
fn main(@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = min(groupIndex(w, n), u.rows - 1u) * u.d;
  var m = -3.4e38;
  for (var j = lid; j < u.d; j += RW) { m = max(m, x[o + j]); }
  m = wgMax(m, lid);
  var s = 0.0;
  for (var j = lid; j < u.d; j += RW) { s += exp(x[o + j] - m); }
  s = wgSum(s, lid);
  for (var j = lid; j < u.d; j += RW) { y[o + j] = exp(x[o + j] - m) / s; }
}`;

// dx = y · (dy − Σ dy·y)
const BACKWARD = /* wgsl */ `
${bindings(['dx'], ['dy', 'y'], U)}
${WORKGROUP_REDUCE}
${GROUP_INDEX}
@compute @workgroup_size(${RW})
fn main(@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = min(groupIndex(w, n), u.rows - 1u) * u.d;
  var s = 0.0;
  for (var j = lid; j < u.d; j += RW) { s += dy[o + j] * y[o + j]; }
  s = wgSum(s, lid);
  for (var j = lid; j < u.d; j += RW) { dx[o + j] = y[o + j] * (dy[o + j] - s); }
}`;

type Info = tf.TensorInfo;
const rowsOf = (t: Info) => { const d = t.shape[t.shape.length - 1]; return [d === 0 ? 0 : tf.util.sizeFromShape(t.shape) / d, d]; };

export const softmaxWebgpu: tf.KernelConfig[] = [
  {
    kernelName: SOFTMAX,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as { x: Info };
      const [rows, d] = rowsOf(x);
      const y = output(backend, x.shape);
      if (rows > 0) launch(backend, { code: FORWARD, outputs: [y], inputs: [x], uniforms: { u32: [rows, d] }, groups: grid(rows) });
      return y;
    },
  },
  {
    kernelName: SOFTMAX_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, y } = inputs as { dy: Info; y: Info };
      const [rows, d] = rowsOf(y);
      const dx = output(backend, y.shape);
      if (rows > 0) launch(backend, { code: BACKWARD, outputs: [dx], inputs: [dy, y], uniforms: { u32: [rows, d] }, groups: grid(rows) });
      return dx;
    },
  },
];
