// Runs one of ftbench's WGSL kernels inside tfjs's WebGPU command stream: same device, same command encoder and
// compute pass, same buffer pool, so our dispatches interleave with tfjs's in order and tensors stay tfjs tensors.
// Unlike tfjs's own program runner, a kernel may write several outputs (AdamW: p, m, v; LayerNorm: y, mean, rstd).
/* eslint-disable @typescript-eslint/no-explicit-any -- tfjs's WebGPU backend internals and Dawn objects are untyped here. */
import * as tf from '@tensorflow/tfjs';
import { countDispatch } from './counters.js';
import { withSubgroups } from './kernels/reduce.js';

export const WG = 256; // threads per workgroup of the elementwise kernels
const MAX_GROUPS = 65535; // per dispatch dimension (WebGPU's default limit)
/** Storage buffers per dispatch we ask a device for, where its adapter offers them: more per dispatch, fewer dispatches. */
export const STORAGE_ROOM_WANTED = 32;

/** 0, 1, …, k−1: the index lists the kernel-text builders map over. */
export const range = (k: number): number[] => Array.from({ length: k }, (_, i) => i);

/** `xs` in runs of at most n: the tensors of one dispatch each, where a dispatch binds a limited number. */
export function chunks<T>(xs: T[], n: number): T[][] {
  return range(Math.ceil(xs.length / n)).map((i) => xs.slice(i * n, i * n + n));
}

// Per device, the pipelines of each form of the reductions, keyed by the kernel's source text.
const pipelines = new WeakMap<object, { tree: Map<string, any>; subgroups: Map<string, any> }>();

// Devices whose subgroups subgroups.ts has checked, and whether they are used (tests and benches compare both forms).
const subgroupDevices = new WeakSet<object>();
let subgroupsWanted = process.env.FTBENCH_WEBGPU_SUBGROUPS !== '0';

/** Marks `backend`'s device as one whose subgroups the reductions may use. */
export function allowSubgroups(backend: any): void {
  subgroupDevices.add(backend.device);
}

/** Turns the subgroup reductions on or off (where the device allows them); returns the previous setting. */
export function useSubgroups(on: boolean): boolean {
  const was = subgroupsWanted;
  subgroupsWanted = on;
  return was;
}

/** Whether kernels launched on `backend` now reduce with subgroups. */
export function subgroupsInUse(backend: any): boolean {
  return subgroupsWanted && subgroupDevices.has(backend.device);
}

// An explicit layout: 'auto' drops bindings a shader does not read, and our kernels bind every declared buffer.
function pipeline(backend: any, source: string, outputs: number, inputs: number): any {
  let forms = pipelines.get(backend.device);
  if (!forms) pipelines.set(backend.device, (forms = { tree: new Map(), subgroups: new Map() }));
  const sub = subgroupsInUse(backend);
  const cache = sub ? forms.subgroups : forms.tree;
  let p = cache.get(source);
  if (!p) {
    const code = sub ? withSubgroups(source) : source;
    const S = (globalThis as any).GPUShaderStage.COMPUTE;
    const entries = [
      ...Array.from({ length: outputs }, () => ({ buffer: { type: 'storage' } })),
      ...Array.from({ length: inputs }, () => ({ buffer: { type: 'read-only-storage' } })),
      { buffer: { type: 'uniform' } },
    ].map((e, binding) => ({ binding, visibility: S, ...e }));
    const group = backend.device.createBindGroupLayout({ entries });
    const layout = backend.device.createPipelineLayout({ bindGroupLayouts: [group] });
    const module = backend.device.createShaderModule({ code });
    p = { pipeline: backend.device.createComputePipeline({ layout, compute: { module, entryPoint: 'main' } }), group };
    cache.set(source, p);
  }
  return p;
}

/** Storage buffers one dispatch may bind on `backend`'s device: WebGPU's default of 8, or what initWebgpu asked for. */
export function storageRoom(backend: any): number {
  return Math.max(8, Number(backend.device.limits.maxStorageBuffersPerShaderStage) || 8);
}

/** Workgroup grid for `groups` workgroups: x up to 65535, the rest in y (kernels index by `groupIndex`). */
export function grid(groups: number): [number, number, number] {
  if (groups <= MAX_GROUPS) return [Math.max(1, groups), 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y, 1];
}

/** WGSL: the flat workgroup index under grid(). */
export const GROUP_INDEX = 'fn groupIndex(w: vec3<u32>, n: vec3<u32>) -> u32 { return w.x + w.y * n.x; }';

export interface Uniform { u32?: number[]; f32?: number[] }

export interface Launch {
  /** WGSL with bindings in this order: outputs (read_write), inputs (read), then one uniform struct at the end. */
  code: string;
  outputs: tf.TensorInfo[];
  inputs: tf.TensorInfo[];
  /** Uniform words in struct order: u32 words first, then f32 words (the struct must be declared the same way). */
  uniforms: Uniform;
  groups: [number, number, number];
}

function uniformBuffer(backend: any, u: Uniform): { buffer: any; size: number } {
  const words = (u.u32?.length ?? 0) + (u.f32?.length ?? 0);
  const size = Math.max(16, Math.ceil((words * 4) / 16) * 16);
  const data = new ArrayBuffer(size);
  new Uint32Array(data, 0, u.u32?.length ?? 0).set(u.u32 ?? []);
  new Float32Array(data, (u.u32?.length ?? 0) * 4, u.f32?.length ?? 0).set(u.f32 ?? []);
  const G = (globalThis as any).GPUBufferUsage;
  const buffer = backend.bufferManager.acquireBuffer(size, G.COPY_DST | G.UNIFORM);
  backend.queue.writeBuffer(buffer, 0, data, 0, size);
  backend.uniformPendingDisposal.push(buffer); // back to the pool at the next submit, as tfjs's own uniforms
  return { buffer, size };
}

/** A new float32 output tensor on `backend`, its buffer allocated (from tfjs's pool). */
export function output(backend: any, shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo {
  const t = backend.makeTensorInfo(shape, dtype) as tf.TensorInfo;
  backend.uploadToGPU(t.dataId);
  return t;
}

/** Records one dispatch of `l.code` in tfjs's current compute pass, submitting when tfjs would. */
export function launch(backend: any, l: Launch): void {
  const all = [...l.outputs, ...l.inputs];
  const entries = all.map((t, i) => {
    backend.uploadToGPU(t.dataId);
    backend.commandQueueOwnedIds.add(t.dataId); // disposal waits for the submit, as for tfjs's own programs
    return { binding: i, resource: { buffer: backend.tensorMap.get(t.dataId).resource } };
  });
  const u = uniformBuffer(backend, l.uniforms);
  entries.push({ binding: all.length, resource: { buffer: u.buffer, offset: 0, size: u.size } as any });
  const p = pipeline(backend, l.code, l.outputs.length, l.inputs.length);
  const bindGroup = backend.device.createBindGroup({ layout: p.group, entries });
  backend.ensureCommandEncoderReady();
  // Inside tf.profile / tf.time, each dispatch gets a pass of its own with timestamps, exactly as tfjs's programs do.
  const timed = backend.activeTimers != null;
  if (timed && backend.supportTimestampQuery) {
    backend.endComputePassEncoder();
    backend.querySet ??= backend.device.createQuerySet({ type: 'timestamp', count: backend.querySetCount });
    backend.computePassEncoder = backend.commandEncoder.beginComputePass({
      timestampWrites: { querySet: backend.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
    });
  } else if (!backend.computePassEncoder) backend.computePassEncoder = backend.commandEncoder.beginComputePass({});
  backend.computePassEncoder.setPipeline(p.pipeline);
  backend.computePassEncoder.setBindGroup(0, bindGroup);
  backend.computePassEncoder.dispatchWorkgroups(...l.groups);
  countDispatch();
  backend.dispatchCountInPass++;
  if (timed || backend.dispatchCountInPass >= Number(tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE'))) {
    backend.endComputePassEncoder();
    if (timed) backend.activeTimers.push({ name: 'ftbench', query: backend.getQueryTime() });
    else backend.submitQueue();
  }
}

/** WGSL binding declarations: outputs read_write f32 arrays, inputs read-only, then the uniform struct `u`. */
export function bindings(outputs: string[], inputs: string[], uniformStruct: string, inputTypes: Record<string, string> = {}): string {
  const lines = [
    ...outputs.map((n, i) => `@group(0) @binding(${i}) var<storage, read_write> ${n}: array<f32>;`),
    ...inputs.map((n, i) => `@group(0) @binding(${outputs.length + i}) var<storage, read> ${n}: array<${inputTypes[n] ?? 'f32'}>;`),
    `struct U { ${uniformStruct} };`,
    `@group(0) @binding(${outputs.length + inputs.length}) var<uniform> u: U;`,
  ];
  return lines.join('\n');
}
