// Global-norm gradient clipping without leaving the GPU: the norm, the decision and the scale stay on the device, so
// a training step needs no read for it (the CPU form reads the norm back, stalling the queue every step). Several
// gradients share each dispatch. Same
// result: grads are scaled by maxNorm/‖g‖ when ‖g‖ > maxNorm and by exactly 1 otherwise.
/* eslint-disable @typescript-eslint/no-explicit-any -- tfjs's WebGPU backend internals are untyped here. */
import * as tf from '@tensorflow/tfjs';
import { GROUP_INDEX, WG, bindings, chunks, grid, launch, output, range, storageRoom } from './runner.js';
import { WORKGROUP_REDUCE, RW } from './kernels/reduce.js';
import { fusedEnabled } from './register.js';

/** Whether globalNormClip should take the device path: the active backend is webgpu (and fused kernels are on). */
export function clipsOnDevice(): boolean {
  return tf.getBackend() === 'webgpu' && fusedEnabled();
}

const PARTS = 64; // workgroups per partial-sum dispatch: enough to stream a large tensor, few to add up after

// Partial sums of squares of k gradients into partials[slot·PARTS + workgroup].
const sumsq = (k: number) => /* wgsl */ `
${bindings(['partials'], range(k).map((i) => `g${i}`), `${range(k).map((i) => `n${i}: u32, `).join('')}slot: u32`)}
${WORKGROUP_REDUCE}
@compute @workgroup_size(${RW})
fn main(@builtin(workgroup_id) w: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  ${range(k).map((i) => `for (var i = w.x * RW + lid; i < u.n${i}; i += ${PARTS}u * RW) { let x = g${i}[i]; s += x * x; }`).join('\n  ')}
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

// y_k = g_k · scale[0] for k gradients in one dispatch (sized for the largest).
const mul = (k: number) => /* wgsl */ `
${bindings(range(k).map((i) => `y${i}`), [...range(k).map((i) => `g${i}`), 'scale'], range(k).map((i) => `n${i}: u32`).join(', '))}
${GROUP_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(w, ng) * ${WG}u + lid;
  let c = scale[0];
  ${range(k).map((i) => `if (i < u.n${i}) { y${i}[i] = g${i}[i] * c; }`).join('\n  ')}
}`;

/**
 * globalNormClip's WebGPU form, no read: with the device's room for R storage buffers per dispatch, 1/(R−1) + 1/⌊(R−1)/2⌋
 * dispatch per gradient (1/7 + 1/3 at WebGPU's default R = 8) and one more. Returns new tensors.
 */
export function clipOnDevice(grads: Map<tf.Variable, tf.Tensor>, maxNorm: number): Map<tf.Variable, tf.Tensor> {
  const backend = tf.backend() as any;
  const room = storageRoom(backend);
  const live = [...grads].filter(([, g]) => g.size > 0);
  const sums = chunks(live.map(([, g]) => g), room - 1); // k gradients + the partials
  const partials = output(backend, [Math.max(1, sums.length) * PARTS]);
  const scale = output(backend, []);
  sums.forEach((gs, slot) => {
    launch(backend, { code: sumsq(gs.length), outputs: [partials], inputs: gs, uniforms: { u32: [...gs.map((g) => g.size), slot] }, groups: [PARTS, 1, 1] });
  });
  launch(backend, { code: SCALE, outputs: [scale], inputs: [partials], uniforms: { u32: [sums.length * PARTS], f32: [maxNorm] }, groups: [1, 1, 1] });
  const out = new Map<tf.Variable, tf.Tensor>();
  for (const part of chunks(live, Math.floor((room - 1) / 2))) { // k gradients + k outputs + the scale
    const ys = part.map(([, g]) => output(backend, g.shape));
    const largest = Math.max(...part.map(([, g]) => g.size));
    launch(backend, { code: mul(part.length), outputs: ys, inputs: [...part.map(([, g]) => g), scale], uniforms: { u32: part.map(([, g]) => g.size) }, groups: grid(Math.ceil(largest / WG)) });
    part.forEach(([v], i) => out.set(v, tf.engine().makeTensorFromTensorInfo(ys[i])));
  }
  // Empty gradients have nothing to scale; the caller disposes every returned tensor, so they are copies.
  const result = new Map<tf.Variable, tf.Tensor>();
  for (const [v, g] of grads) result.set(v, out.get(v) ?? tf.clone(g));
  backend.disposeData(partials.dataId);
  backend.disposeData(scale.dataId);
  return result;
}
