// FtbSoftmax / FtbSoftmaxGrad on WebGPU over the last axis: one dispatch each (a workgroup per row), where tfjs takes
// 3 forward and 4 backward.
import * as tf from '@tensorflow/tfjs';
import { SOFTMAX, SOFTMAX_GRAD } from '../../kernels/softmax.js';
import { grid, launch, output } from '../runner.js';
import { perRow, rowMaxAndExpSum } from './wgsl.js';

const U = 'rows: u32, d: u32';

const FORWARD = perRow({
  outputs: ['y'], inputs: ['x'], uniforms: U, width: 'u.d',
  body: /* wgsl */ `${rowMaxAndExpSum('x', 'u.d')}
  s = wgSum(s, lid);
  for (var j = lid; j < u.d; j += RW) { y[o + j] = exp(x[o + j] - m) / s; }`,
});

// dx = y · (dy − Σ dy·y)
const BACKWARD = perRow({
  outputs: ['dx'], inputs: ['dy', 'y'], uniforms: U, width: 'u.d',
  body: /* wgsl */ `
  var s = 0.0;
  for (var j = lid; j < u.d; j += RW) { s += dy[o + j] * y[o + j]; }
  s = wgSum(s, lid);
  for (var j = lid; j < u.d; j += RW) { dx[o + j] = y[o + j] * (dy[o + j] - s); }`,
});

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
