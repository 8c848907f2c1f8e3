// Picks and initialises the tensor backend: a real GPU through WebGPU (Dawn) when one is found, tfjs-node-gpu /
// tfjs-node when installed, else `native` (tensors in RAM, our kernel pack) when the addon is built, else wasm.
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { jsKernels, nativeKernels, registerAll, registerGradients } from './kernel_pack.js';
import { guardTensorSize } from './kernels/heap.js';
import { INSTALL_HINT, loadNative, type NativeAddon } from './native/index.js';
import { nativeMemory, wasmMemory } from './kernels/memory.js';
import { registerNativeBackend } from './native_backend.js';
import { installFrugalGradients } from './frugal_grad.js';
import { hardwareGpuLikely, initWebgpu, type GpuAdapter } from './webgpu.js';

export interface BackendInfo {
  name: string;        // tfjs backend name: 'native', 'wasm', 'tensorflow', 'cpu', ...
  threads: number;
  kernelPack: string;  // what we registered on top of the stock backend: 'native', 'js', 'libtensorflow', 'none'
  blas: string | null;
  kernels?: string[];  // kernel names the pack replaced or added
  adapter?: GpuAdapter; // the GPU, on 'webgpu'
  features?: string[]; // the WebGPU device's features (shader-f16 for budget.precision mixed, timestamp-query), on 'webgpu'
  storageBuffers?: number; // storage buffers one dispatch may bind on the WebGPU device (8 by default; more when offered)
  subgroups?: number | null; // the WebGPU device's subgroup size when the reductions use subgroups, else null
  subgroupsNote?: string; // why they do not
}

export const BACKEND_CHOICES = ['auto', 'webgpu', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

let current: BackendInfo | null = null;

export function threadCount(): number {
  const env = Number(process.env.FTBENCH_THREADS);
  return Number.isInteger(env) && env > 0 ? env : os.availableParallelism();
}

async function tryNative(): Promise<boolean> {
  // Optional packages: importing them registers the 'tensorflow' backend. Never required.
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (await tf.setBackend('tensorflow')) return true;
    } catch {
      /* not installed, or libtensorflow missing: fall through */
    }
  }
  return false;
}

let warned = false;
// Once per process and backend: the pack's fallbacks capture the stock kernels they replace.
const registered = new Map<string, string[]>();

/** The default CPU backend: tensors in typed arrays bounded by RAM, hot kernels native (native_backend.ts). */
async function initNativeBackend(threads: number, addon: NativeAddon): Promise<BackendInfo> {
  let kernels = registered.get('native');
  if (!kernels) {
    registerNativeBackend(addon);
    if (process.env.FTBENCH_FRUGAL_GRAD !== '0') installFrugalGradients();
    kernels = [...registerAll(jsKernels(nativeMemory)), ...registerAll(nativeKernels(addon, nativeMemory))];
    registerGradients();
    registered.set('native', kernels);
  }
  addon.setThreads(threads);
  if (!(await tf.setBackend('native'))) throw new Error('The native tensor backend failed to initialise.');
  return { name: 'native', threads: addon.getThreads(), kernelPack: 'native', blas: addon.blasName(), kernels };
}

async function initWasm(threads: number): Promise<BackendInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(threads);
  const { addon, reason } = loadNative();
  let kernels = registered.get('wasm');
  if (!kernels) {
    kernels = registerAll(jsKernels(wasmMemory));
    if (addon) kernels.push(...registerAll(nativeKernels(addon, wasmMemory)));
    registerGradients();
    registered.set('wasm', kernels);
  }
  if (addon) {
    addon.setThreads(threads);
  } else if (!warned) {
    // One line, once: the run still works, only slower.
    warned = true;
    console.warn(`ftbench: running without the native kernel pack (${reason}); training is much slower. To fix: ${INSTALL_HINT}.`);
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('The wasm tensor backend failed to initialise.');
  guardTensorSize(tf.backend() as import('@tensorflow/tfjs-backend-wasm').BackendWasm);
  return addon
    ? { name: 'wasm', threads: addon.getThreads(), kernelPack: 'native', blas: addon.blasName(), kernels }
    : { name: 'wasm', threads: wasm.getThreadsCount(), kernelPack: 'js', blas: null, kernels };
}

export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (current && (choice === 'auto' || choice === current.name)) {
    // Someone may have switched backends since (tests compare against `cpu`): make ours active again.
    if (tf.getBackend() !== current.name) await tf.setBackend(current.name);
    return current;
  }
  const threads = threadCount();
  // WebGPU: `auto` takes it only for a hardware adapter (never lavapipe/SwiftShader); `webgpu` takes any.
  if (choice === 'webgpu' || (choice === 'auto' && process.env.FTBENCH_WEBGPU !== '0' && hardwareGpuLikely())) {
    try {
      const { adapter, kernels, features, storageBuffers, subgroups, subgroupsNote } = await initWebgpu({ allowSoftware: choice === 'webgpu' });
      // `blas` is what does the matrix math: stored with the run, it names the GPU.
      const blas = `${adapter.vendor}${adapter.architecture ? ` ${adapter.architecture}` : ''}: ${adapter.description || adapter.device}`;
      return (current = { name: 'webgpu', threads: 1, kernelPack: 'webgpu', blas, kernels, adapter, features, storageBuffers, subgroups, subgroupsNote });
    } catch (e) {
      if (choice === 'webgpu') throw new Error(`Backend "webgpu" could not start: ${(e as Error).message}.`);
      console.warn(`ftbench: a GPU is present but WebGPU cannot use it (${(e as Error).message}); using the CPU backend.`);
    }
  }
  if (choice === 'tensorflow' || choice === 'auto') {
    if (await tryNative()) return (current = { name: 'tensorflow', threads, kernelPack: 'libtensorflow', blas: null });
    if (choice === 'tensorflow') throw new Error('Backend "tensorflow" needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node installed; neither could be loaded.');
  }
  if (choice === 'cpu') {
    await tf.setBackend('cpu');
    return (current = { name: 'cpu', threads: 1, kernelPack: 'none', blas: null });
  }
  const { addon } = loadNative();
  if (choice === 'native' && !addon) throw new Error(`Backend "native" needs the native kernel pack: ${INSTALL_HINT}.`);
  if (addon && choice !== 'wasm') return (current = await initNativeBackend(threads, addon));
  return (current = await initWasm(threads));
}

export function backendInfo(): BackendInfo {
  if (!current) throw new Error('initBackend() has not been called.');
  return current;
}
