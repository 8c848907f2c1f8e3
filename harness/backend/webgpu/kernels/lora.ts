// FtbLora / FtbLoraU on WebGPU: LoRA's s·(xA)B in one dispatch (a workgroup per row: the r values of x·A summed from
// per-thread partials in workgroup memory, then the row of the output), and s·dy·Bᵀ for its gradient in one more,
// where the plain ops take 3 forward (two matmuls and the scale) and 5 backward.
import * as tf from '@tensorflow/tfjs';
import { LORA, LORA_MAX_R, LORA_U } from '../../ops/lora.js';
import { GROUP_INDEX, bindings, grid, launch, output } from '../runner.js';

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
const ARGS = '@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>, @builtin(local_invocation_index) lid: u32';

const FORWARD = /* wgsl */ `
${bindings(['y', 'ts'], ['x', 'A', 'B'], U)}
${HEAD}
@compute @workgroup_size(${LW})
fn main(${ARGS}) {
  let row = min(groupIndex(w, ng), u.n - 1u);
  ${rowTimesMatrix('x[row * u.din + i]', 'u.din', 'A[i * u.r + k]')}
  if (lid < u.r) { ts[row * u.r + lid] = t[lid]; }
  for (var j = lid; j < u.dout; j += ${LW}u) {
    var s = 0.0;
    for (var k = 0u; k < u.r; k++) { s += t[k] * B[k * u.dout + j]; }
    y[row * u.dout + j] = s;
  }
}`;

const GRAD_U = /* wgsl */ `
${bindings(['us'], ['dy', 'B'], U)}
${HEAD}
@compute @workgroup_size(${LW})
fn main(${ARGS}) {
  let row = min(groupIndex(w, ng), u.n - 1u);
  ${rowTimesMatrix('dy[row * u.dout + i]', 'u.dout', 'B[k * u.dout + i]')}
  if (lid < u.r) { us[row * u.r + lid] = t[lid]; }
}`;

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
