// The WebGPU tensor backend: @tensorflow/tfjs-backend-webgpu on Dawn's Node binding (the `webgpu` npm package) over
// Vulkan, so a GPU path installs from npm alone. Three things make tfjs's browser backend whole in Node:
//  - WebGPU's globals and `navigator.gpu` must exist before the backend module is imported (it registers itself then);
//  - synchronous reads (dataSync, used by the trainer and many techniques): tfjs reads through an OffscreenCanvas,
//    which Node lacks, and Dawn settles buffer maps only when its event pump runs; we run that pump ourselves;
//  - stock kernels the WebGPU backend lacks (Unique, and string/ragged/sparse ones) run on the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countRead, instrument } from './webgpu/counters.js';
import { registerWebgpuKernels, fusedEnabled } from './webgpu/register.js';
import { patchUploads } from './webgpu/uploads.js';
import { STORAGE_ROOM_WANTED, storageRoom, subgroupsInUse } from './webgpu/runner.js';
import { probeSubgroups } from './webgpu/subgroups.js';
import { registerGradients } from './kernel_pack.js';

export interface GpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (lavapipe/llvmpipe, SwiftShader): correct, never fast. */
  software: boolean;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Dawn's objects are untyped here: @webgpu/types is not in tsconfig. */
type Gpu = { requestAdapter(o?: object): Promise<any> };

// ---------------------------------------------------------------------------------------------------------------
// Cheap checks, before loading Dawn's 21 MB binary.

const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/nvidia/share/vulkan/icd.d'];
const SOFTWARE = /lvp|lavapipe|llvmpipe|swiftshader|softpipe/i;

/** Vulkan driver manifests the loader would read: VK_DRIVER_FILES / VK_ICD_FILENAMES, else the standard folders. */
export function vulkanIcds(): string[] {
  const env = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  if (env) return env.split(':').filter((f) => f && existsSync(f));
  return ICD_DIRS.flatMap((d) => {
    try {
      return readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => join(d, f));
    } catch {
      return [];
    }
  });
}

/** A GPU the kernel exposes (NVIDIA's device nodes, or a DRM render node) and a non-software Vulkan driver for it. */
export function hardwareGpuLikely(): boolean {
  let nodes = existsSync('/dev/nvidia0') || existsSync('/dev/nvidiactl');
  try {
    nodes ||= readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    /* no DRM */
  }
  if (!nodes) return false;
  return vulkanIcds().some((f) => {
    try {
      return !SOFTWARE.test(f) && !SOFTWARE.test(readFileSync(f, 'utf8'));
    } catch {
      return false;
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Synchronous buffer reads. Dawn resolves a map when its instance processes events, which its binding schedules
// through the global setImmediate with a native pump function (AsyncRunner::ScheduleProcessEvents). We recognise
// that function, and while waiting for a map call it in a loop instead of yielding: no other JS runs meanwhile.

const realSetImmediate = globalThis.setImmediate;
let pump: (() => void) | null = null; // the latest pump Dawn handed to setImmediate; each one is equivalent
let spinning = false;
let captured: (() => void) | null = null;
let pending = 0; // pumps queued on the real event loop

function schedule(f: () => void): void {
  pending++;
  realSetImmediate(() => {
    pending--;
    f();
  });
}

function installPumpCapture(): void {
  const wrapped = function (this: unknown, f: unknown, ...args: unknown[]) {
    if (typeof f === 'function' && args.length === 0 && f.name === '' && Function.prototype.toString.call(f).includes('[native code]')) {
      pump = f as () => void;
      if (spinning) captured = pump;
      else schedule(pump);
      return undefined;
    }
    return (realSetImmediate as (...a: unknown[]) => unknown)(f, ...args);
  };
  for (const k of Object.getOwnPropertySymbols(realSetImmediate)) {
    Object.defineProperty(wrapped, k, Object.getOwnPropertyDescriptor(realSetImmediate, k)!); // util.promisify.custom
  }
  globalThis.setImmediate = wrapped as unknown as typeof setImmediate;
}

/** Maps `buffer` for reading and returns once it is mapped, running Dawn's event pump synchronously. */
function mapReadSync(buffer: any): void {
  spinning = true;
  captured = null;
  try {
    buffer.mapAsync((globalThis as any).GPUMapMode.READ).catch(() => {}); // failure shows as mapState 'unmapped'
    const deadline = performance.now() + 600_000;
    for (let i = 0; buffer.mapState === 'pending'; i++) {
      const f = captured ?? pump;
      captured = null;
      if (!f) throw new Error('webgpu: cannot read synchronously (Dawn never scheduled its event pump).');
      f();
      if ((i & 1023) === 1023 && performance.now() > deadline) throw new Error('webgpu: a read waited 10 minutes for the device.');
    }
    if (buffer.mapState !== 'mapped') throw new Error('webgpu: mapping a buffer for reading failed (device lost?).');
  } finally {
    spinning = false;
    // The pump reschedules itself while Dawn has work in flight: hand that chain back to the event loop, once.
    if (captured && pending === 0) schedule(captured);
    captured = null;
  }
}

function patchReadSync(WebGPUBackend: any): void {
  WebGPUBackend.prototype.readSync = function readSync(this: any, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (data.values != null || data.dtype === 'string') return data.values;
    if (data.dtype === 'complex64') {
      const re = this.readSync(data.complexTensorInfos.real.dataId), im = this.readSync(data.complexTensorInfos.imag.dataId);
      return this.convertAndCacheOnCPU(dataId, tf.backend_util.mergeRealAndImagArrays(re, im));
    }
    // As getBufferData (the async path), with the wait made synchronous.
    const src = data.resource;
    const staging = this.bufferManager.acquireBuffer(src.size, (globalThis as any).GPUBufferUsage.COPY_DST | (globalThis as any).GPUBufferUsage.MAP_READ);
    this.ensureCommandEncoderReady();
    this.endComputePassEncoder();
    this.commandEncoder.copyBufferToBuffer(src, 0, staging, 0, src.size);
    this.submitQueue();
    countRead();
    mapReadSync(staging);
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    this.bufferManager.releaseBuffer(staging);
    return this.convertAndCacheOnCPU(dataId, tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype));
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Stock kernels the WebGPU backend lacks run on the cpu backend: inputs read back, outputs uploaded. Only the
// training path's Unique is ever hit by ftbench (a data-dependent output shape, natural on the CPU anyway).

const fallbackCounts = new Map<string, number>();

/** How often each CPU-fallback kernel ran in this process (tests check the hot path never takes one). */
export function fallbackCalls(): ReadonlyMap<string, number> {
  return fallbackCounts;
}

type Info = tf.TensorInfo;

function cpuFallback(kernel: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: kernel.kernelName,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      fallbackCounts.set(kernel.kernelName, (fallbackCounts.get(kernel.kernelName) ?? 0) + 1);
      const gpu = backend as any;
      const cpu = tf.findBackend('cpu') as any;
      const temps: object[] = [];
      const toCpu = (t: Info | null): Info | null => {
        if (t == null) return t;
        const dataId = cpu.write(gpu.readSync(t.dataId), t.shape, t.dtype);
        temps.push(dataId);
        return { dataId, shape: t.shape, dtype: t.dtype };
      };
      const cpuInputs: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(inputs)) cpuInputs[k] = Array.isArray(v) ? v.map(toCpu) : toCpu(v as Info);
      try {
        const out = kernel.kernelFunc({ inputs: cpuInputs as tf.NamedTensorInfoMap, attrs, backend: cpu }) as Info | Info[];
        const toGpu = (o: Info): Info => {
          const moved = gpu.makeTensorInfo(o.shape, o.dtype, cpu.readSync(o.dataId));
          cpu.disposeData(o.dataId);
          return moved;
        };
        return Array.isArray(out) ? out.map(toGpu) : toGpu(out);
      } finally {
        for (const id of temps) cpu.disposeData(id);
      }
    },
  };
}

// AddN binds every input as a storage buffer, and devices allow 8 per shader stage unless asked for more (Dawn's
// default; tfjs asks for none): sum in chunks that fit, as tfjs's own Concat does. globalNormClip adds every gradient.
function addNInChunks(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'AddN',
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const gpu = backend as any;
      const room = Math.max(2, Number(gpu.device.limits.maxStorageBuffersPerShaderStage) - 1);
      let terms = inputs as unknown as Info[];
      const made: Info[] = [];
      while (terms.length > room) {
        const next: Info[] = [];
        for (let i = 0; i < terms.length; i += room) {
          const chunk = terms.slice(i, i + room);
          if (chunk.length === 1) next.push(chunk[0]);
          else {
            const sum = stock.kernelFunc({ inputs: chunk as unknown as tf.NamedTensorInfoMap, backend, attrs }) as Info;
            made.push(sum);
            next.push(sum);
          }
        }
        terms = next;
      }
      const out = stock.kernelFunc({ inputs: terms as unknown as tf.NamedTensorInfoMap, backend, attrs }) as Info;
      for (const t of made) gpu.disposeData(t.dataId);
      return out;
    },
  };
}

function registerCpuFallbacks(): string[] {
  const have = new Set(tf.getKernelsForBackend('webgpu').map((k) => k.kernelName));
  const missing = tf.getKernelsForBackend('cpu').filter((k) => !have.has(k.kernelName));
  for (const k of missing) tf.registerKernel(cpuFallback(k));
  return missing.map((k) => `${k.kernelName}(cpu)`);
}

// ---------------------------------------------------------------------------------------------------------------

function describe(adapter: any): GpuAdapter {
  const i = adapter.info ?? {};
  const a = { vendor: String(i.vendor ?? ''), architecture: String(i.architecture ?? ''), device: String(i.device ?? ''), description: String(i.description ?? '') };
  const software = i.isFallbackAdapter === true || a.architecture === 'software' || SOFTWARE.test(`${a.device} ${a.description}`);
  return { ...a, software };
}

type WebgpuState = { adapter: GpuAdapter; kernels: string[]; features: string[]; storageBuffers: number; subgroups?: number | null; subgroupsNote?: string };
let state: WebgpuState | null = null;
let gpu: Gpu | null = null;

async function dawn(): Promise<Gpu> {
  if (gpu) return gpu;
  let mod: { create(flags: string[]): Gpu; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    throw new Error(`the optional package "webgpu" is not installed (npm install): ${(e as Error).message}`);
  }
  installPumpCapture();
  Object.assign(globalThis, mod.globals);
  gpu = mod.create([]);
  return gpu;
}

/** The adapter Dawn would pick (high-performance first), or why there is none. Loads Dawn, creates no device. */
export async function probeAdapter(): Promise<{ adapter: GpuAdapter } | { reason: string }> {
  try {
    const a = await (await dawn()).requestAdapter({ powerPreference: 'high-performance' });
    return a ? { adapter: describe(a) } : { reason: 'Dawn found no WebGPU adapter (no Vulkan driver: install mesa-vulkan-drivers, or a GPU driver)' };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

/**
 * Creates the device and makes 'webgpu' the active tfjs backend. Refuses a software adapter unless `allowSoftware`
 * (`--backend webgpu` forces it; automatic choice never does). Throws with the reason when it cannot.
 */
export async function initWebgpu(opts: { allowSoftware: boolean }): Promise<WebgpuState> {
  if (!state) {
    const g = await dawn();
    const raw = await g.requestAdapter({ powerPreference: 'high-performance' });
    if (!raw) throw new Error('Dawn found no WebGPU adapter (no Vulkan driver: install mesa-vulkan-drivers, or a GPU driver).');
    const adapter = describe(raw);
    if (adapter.software && !opts.allowSoftware) throw new Error(`only a software adapter is available (${adapter.description})`);
    // tfjs asks navigator.gpu for its adapter: hand it the one we inspected, asking its device for shader-f16 (mixed
    // precision) and subgroups (the row reductions) too when offered; tfjs itself asks for timestamp-query when offered.
    // And more storage buffers per dispatch than WebGPU's default 8 where the adapter offers them: the clipping, AdamW,
    // and tfjs's AddN and Concat then take several tensors per dispatch.
    const extra = fusedEnabled() ? ['shader-f16', 'subgroups'].filter((f) => raw.features.has(f)) : [];
    const room = Math.min(STORAGE_ROOM_WANTED, Number(raw.limits.maxStorageBuffersPerShaderStage) || 8);
    const limits = fusedEnabled() && room > 8 ? { maxStorageBuffersPerShaderStage: room } : {};
    const forTfjs = {
      features: raw.features, limits: raw.limits, info: raw.info,
      requestDevice: (d: any = {}) => raw.requestDevice({
        ...d, requiredFeatures: [...(d.requiredFeatures ?? []), ...extra], requiredLimits: { ...(d.requiredLimits ?? {}), ...limits },
      }),
    };
    const nav = { gpu: { requestAdapter: async () => forTfjs, getPreferredCanvasFormat: () => 'rgba8unorm', wgslLanguageFeatures: new Set() } };
    if ((globalThis as any).navigator) Object.defineProperty((globalThis as any).navigator, 'gpu', { value: nav.gpu, configurable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
    const mod = (await import('@tensorflow/tfjs-backend-webgpu')) as any;
    patchReadSync(mod.WebGPUBackend);
    if (fusedEnabled()) patchUploads(mod.WebGPUBackend);
    const addN = tf.getKernel('AddN', 'webgpu')!;
    tf.unregisterKernel('AddN', 'webgpu');
    tf.registerKernel(addNInChunks(addN));
    // ftbench's fused kernels in WGSL (their gradients are registered by kernel name, shared with wasm).
    const fused = registerWebgpuKernels();
    registerGradients();
    state = { adapter, kernels: ['AddN', ...fused, ...registerCpuFallbacks()], features: [], storageBuffers: 8 };
  } else if (state.adapter.software && !opts.allowSoftware) {
    throw new Error(`only a software adapter is available (${state.adapter.description})`);
  }
  // setBackend's value is the truth: getBackend() can name 'webgpu' after a failed initialisation.
  if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed (see the warning above)');
  instrument(tf.backend());
  state.features = [...(tf.backend() as any).device.features].map(String).sort();
  state.storageBuffers = storageRoom(tf.backend());
  const probe = tf.tidy(() => tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), 2)));
  const value = probe.dataSync()[0];
  probe.dispose();
  if (value !== 12) throw new Error(`the WebGPU device computes wrongly (2·(1+2+3) gave ${value})`);
  if (fusedEnabled() && state.subgroups === undefined) { // once per process: null after a probe that found none
    const sg = await probeSubgroups();
    state.subgroups = 'size' in sg && subgroupsInUse(tf.backend()) ? sg.size : null; // FTBENCH_WEBGPU_SUBGROUPS=0: not used
    state.subgroupsNote = 'reason' in sg ? sg.reason : state.subgroups == null ? 'FTBENCH_WEBGPU_SUBGROUPS=0' : undefined;
  }
  return state;
}
