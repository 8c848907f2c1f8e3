// FtbLora / FtbLoraU on WebGPU: LoRA's s·(xA)B in one dispatch (a workgroup per row: the r values of x·A summed from
// per-thread partials in workgroup memory, then the row of the output), and s·dy·Bᵀ for its gradient in one more,
// where the plain ops take 3 forward (two matmuls and the scale) and 5 backward.
import * as tf from '@tensorflow/tfjs';
import { LORA, LORA_MAX_R, LORA_U } from '../../ops/lora.js';
import { GROUP_INDEX, grid, launch, output } from '../runner.js';
import { kernel } from './wgsl.js';

const LW = 64; // threads per row
const U = 'n: u32, din: u32, r: u32, dout: u32, scale: f32';

// Σ over this row of src[i]·M(i, k) for every k < r, left in t[k] (times the scale). M(i, k) is A[i·r + k] (forward)
// or B[k·dout + i] (gradient).
const rowTimesMatrix = (src: string, len: string, m: string) => /* wgsl */ `
  var acc: array<f32, ${LORA_MAX_R}>;
  for (var i = lid; i < ${len}; i += ${LW}u) {
    let v = ${src};
    for (var k = 0u; k < u.r; k++) { acc[k] += v * ${m}; }
  }
  for (var k = 0u; k < u.r; k++) { part[lid * ${LORA_MAX_R}u + k] = acc[k]; }
  workgroupBarrier();
  if (lid < u.r) {
    var s = 0.0;
    for (var q = 0u; q < ${LW}u; q++) { s += part[q * ${LORA_MAX_R}u + lid]; }
    t[lid] = s * u.scale;
  }
  workgroupBarrier();`;

const HEAD = /* wgsl */ `
${GROUP_INDEX}
var<workgroup> part: array<f32, ${LW * LORA_MAX_R}>; // [thread][k]
var<workgroup> t: array<f32, ${LORA_MAX_R}>;`;

// A workgroup per row: t = s·(row of src)·M as rowTimesMatrix, kept in `keep` ([n, r]), then `rest` (which may read t).
const loraRow = (outputs: string[], inputs: string[], keep: string, product: string, rest = '') => kernel({
  outputs, inputs, uniforms: U, head: HEAD, size: LW,
  body: /* wgsl */ `
  let row = min(groupIndex(w, n), u.n - 1u);
  ${product}
  if (lid < u.r) { ${keep}[row * u.r + lid] = t[lid]; }${rest}`,
});

const FORWARD = loraRow(['y', 'ts'], ['x', 'A', 'B'], 'ts', rowTimesMatrix('x[row * u.din + i]', 'u.din', 'A[i * u.r + k]'), /* wgsl */ `
  for (var j = lid; j < u.dout; j += ${LW}u) {
    var s = 0.0;
    for (var k = 0u; k < u.r; k++) { s += t[k] * B[k * u.dout + j]; }
    y[row * u.dout + j] = s;
  }`);

const GRAD_U = loraRow(['us'], ['dy', 'B'], 'us', rowTimesMatrix('dy[row * u.dout + i]', 'u.dout', 'B[k * u.dout + i]'));

type Info = tf.TensorInfo;

export const loraWebgpu: tf.KernelConfig[] = [
  {
    kernelName: LORA,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, A, B } = inputs as Record<string, Info>;
      const [n, din] = x.shape, r = A.shape[1], dout = B.shape[1];
      const y = output(backend, [n, dout]), ts = output(backend, [n, r]);
      launch(backend, { code: FORWARD, outputs: [y, ts], inputs: [x, A, B], uniforms: { u32: [n, din, r, dout], f32: [(attrs as unknown as { scale: number }).scale] }, groups: grid(n) });
      return [y, ts];
    },
  },
  {
    kernelName: LORA_U,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, B } = inputs as Record<string, Info>;
      const [n, dout] = dy.shape, r = B.shape[0];
      const us = output(backend, [n, r]);
      launch(backend, { code: GRAD_U, outputs: [us], inputs: [dy, B], uniforms: { u32: [n, 0, r, dout], f32: [(attrs as unknown as { scale: number }).scale] }, groups: grid(n) });
      return us;
    },
  },
];
