// Whether the reductions may use subgroups on this device. WebGPU promises nothing about which threads of a workgroup
// share a subgroup, and the subgroup form of wgSum/wgMax (kernels/reduce.ts) takes them to be runs of consecutive
// threads; so before using it we run one workgroup that reports each thread's subgroup position and size and reduces
// known values with that very code, once per device.
/* eslint-disable @typescript-eslint/no-explicit-any -- tfjs's WebGPU backend internals are untyped here. */
import * as tf from '@tensorflow/tfjs';
import { allowSubgroups, bindings, launch, output } from './runner.js';
import { RW, SUBGROUP_REDUCE } from './kernels/reduce.js';

const PROBE = /* wgsl */ `enable subgroups;
${bindings(['out'], [], 'unused: u32')}
${SUBGROUP_REDUCE}
@compute @workgroup_size(${RW})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) sid: u32, @builtin(subgroup_size) size: u32) {
  out[lid] = f32(sid);
  out[${RW}u + lid] = f32(size);
  out[${2 * RW}u + lid] = wgSum(f32(lid), lid);
  out[${3 * RW}u + lid] = wgMax(f32(lid), lid);
}`;

/**
 * The subgroup size when the device has subgroups laid out as the reductions expect and they reduce correctly (then
 * marks the device for them), else null with the reason.
 */
export async function probeSubgroups(): Promise<{ size: number } | { reason: string }> {
  const backend = tf.backend() as any;
  if (!backend.device.features.has('subgroups')) return { reason: 'the device has no subgroups' };
  // Compiled on its own first: an invalid pipeline recorded into tfjs's command encoder would void tfjs's work with it.
  const device = backend.device;
  device.pushErrorScope('validation');
  const messages = (await device.createShaderModule({ code: PROBE }).getCompilationInfo()).messages.filter((m: any) => m.type === 'error');
  const invalid = await device.popErrorScope();
  if (messages.length || invalid) return { reason: `the subgroup probe does not compile here (${messages[0]?.message ?? invalid.message})` };
  const out = output(backend, [4 * RW]);
  launch(backend, { code: PROBE, outputs: [out], inputs: [], uniforms: { u32: [0] }, groups: [1, 1, 1] });
  const t = tf.engine().makeTensorFromTensorInfo(out);
  const v = (await t.data()) as Float32Array;
  t.dispose();
  const size = v[RW];
  const sum = (RW * (RW - 1)) / 2;
  if (!(size >= 4 && size <= RW) || (size & (size - 1)) !== 0) return { reason: `subgroup size ${size}` };
  for (let lid = 0; lid < RW; lid++) {
    if (v[RW + lid] !== size) return { reason: `subgroup sizes ${v[RW + lid]} and ${size} in one workgroup` };
    if (v[lid] !== lid % size) return { reason: `thread ${lid} is thread ${v[lid]} of its subgroup, not ${lid % size}` };
    if (v[2 * RW + lid] !== sum || v[3 * RW + lid] !== RW - 1) return { reason: `the subgroup reduction gave ${v[2 * RW + lid]} and ${v[3 * RW + lid]}, not ${sum} and ${RW - 1}` };
  }
  allowSubgroups(backend);
  return { size };
}
