// Global-norm gradient clipping without leaving the GPU: the norm, the decision and the scale stay on the device, so
// a training step needs no read for it (the CPU form reads the norm back, stalling the queue every step). Same
// result: grads are scaled by maxNorm/‖g‖ when ‖g‖ > maxNorm and by exactly 1 otherwise.
/* eslint-disable @typescript-eslint/no-explicit-any -- tfjs's WebGPU backend internals are untyped here. */
import * as tf from '@tensorflow/tfjs';
import { GROUP_INDEX, WG, bindings, grid, launch, output } from './runner.js';
import { WORKGROUP_REDUCE, RW } from './kernels/reduce.js';
import { fusedEnabled } from './register.js';

/** Whether globalNormClip should take the device path: the active backend is webgpu (and fused kernels are on). */
export function clipsOnDevice(): boolean {
  return tf.getBackend() === 'webgpu' && fusedEnabled();
}

const PARTS = 64; // partial sums per gradient: enough workgroups to stream a large tensor, few enough to add up fast

// Partial sums of squares of one gradient into partials[slot·PARTS + workgroup].
const SUMSQ = /* wgsl */ `
${bindings(['partials'], ['g'], 'n: u32, slot: u32')}
${WORKGROUP_REDUCE}
@compute @workgroup_size(${RW})
fn main(@builtin(workgroup_id) w: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = w.x * RW + lid; i < u.n; i += ${PARTS}u * RW) { let x = g[i]; s += x * x; }
  let t = wgSum(s, lid);
  if (lid == 0u) { partials[u.slot * ${PARTS}u + w.x] = t; }
}`;

// scale = maxNorm/‖g‖ when ‖g‖ > maxNorm (NaN norms too, as the CPU form's !(norm > max) keeps them unscaled), else 1.
const SCALE = /* wgsl */ `
${bindings(['scale'], ['partials'], 'n: u32, maxNorm: f32')}
${WORKGROUP_REDUCE}
@compute @workgroup_size(${RW})
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < u.n; i += RW) { s += partials[i]; }
  let norm = sqrt(wgSum(s, lid));
  if (lid == 0u) { scale[0] = select(1.0, u.maxNorm / norm, norm > u.maxNorm); }
}`;

// g · scale[0], one dispatch per gradient.
const MUL = /* wgsl */ `
${bindings(['y'], ['g', 'scale'], 'n: u32')}
${GROUP_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(w, ng) * ${WG}u + lid;
  if (i >= u.n) { return; }
  y[i] = g[i] * scale[0];
}`;

/** globalNormClip's WebGPU form: 2 dispatches per gradient and one more, no read. Returns new tensors. */
export function clipOnDevice(grads: Map<tf.Variable, tf.Tensor>, maxNorm: number): Map<tf.Variable, tf.Tensor> {
  const backend = tf.backend() as any;
  const entries = [...grads].filter(([, g]) => g.size > 0);
  const partials = output(backend, [Math.max(1, entries.length) * PARTS]);
  const scale = output(backend, []);
  entries.forEach(([, g], slot) => {
    launch(backend, { code: SUMSQ, outputs: [partials], inputs: [g], uniforms: { u32: [g.size, slot] }, groups: [PARTS, 1, 1] });
  });
  launch(backend, { code: SCALE, outputs: [scale], inputs: [partials], uniforms: { u32: [entries.length * PARTS], f32: [maxNorm] }, groups: [1, 1, 1] });
  const out = new Map<tf.Variable, tf.Tensor>();
  for (const [v, g] of grads) {
    if (g.size === 0) {
      out.set(v, tf.clone(g));
      continue;
    }
    const y = output(backend, g.shape);
    launch(backend, { code: MUL, outputs: [y], inputs: [g, scale], uniforms: { u32: [g.size] }, groups: grid(Math.ceil(g.size / WG)) });
    out.set(v, tf.engine().makeTensorFromTensorInfo(y));
  }
  backend.disposeData(partials.dataId);
  backend.disposeData(scale.dataId);
  return out;
}
