// Picks and initialises the tensor backend: a real GPU through WebGPU (Dawn) when one is found, tfjs-node-gpu /
// tfjs-node when installed, else wasm plus our kernel pack.
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { jsKernels, nativeKernels, registerAll, registerGradients } from './kernel_pack.js';
import { guardTensorSize } from './kernels/heap.js';
import { INSTALL_HINT, loadNative } from './native/index.js';
import { hardwareGpuLikely, initWebgpu, type GpuAdapter } from './webgpu.js';

export interface BackendInfo {
  name: string;        // tfjs backend name: 'wasm', 'tensorflow', 'cpu', ...
  threads: number;
  kernelPack: string;  // what we registered on top of the stock backend: 'native', 'js', 'libtensorflow', 'none'
  blas: string | null;
  kernels?: string[];  // kernel names the pack replaced or added
  adapter?: GpuAdapter; // the GPU, on 'webgpu'
}

export const BACKEND_CHOICES = ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
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
let registered: { kernels: string[]; native: boolean } | null = null;

async function initWasm(threads: number): Promise<BackendInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(threads);
  const { addon, reason } = loadNative();
  // Once per process: the pack's fallbacks capture the stock kernels they replace.
  if (!registered) {
    const kernels = registerAll(jsKernels());
    if (addon) kernels.push(...registerAll(nativeKernels(addon)));
    registerGradients();
    registered = { kernels, native: addon != null };
  }
  const kernels = registered.kernels;
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
      const { adapter, kernels } = await initWebgpu({ allowSoftware: choice === 'webgpu' });
      // `blas` is what does the matrix math: stored with the run, it names the GPU.
      const blas = `${adapter.vendor}${adapter.architecture ? ` ${adapter.architecture}` : ''}: ${adapter.description || adapter.device}`;
      return (current = { name: 'webgpu', threads: 1, kernelPack: 'webgpu', blas, kernels, adapter });
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
  return (current = await initWasm(threads));
}

export function backendInfo(): BackendInfo {
  if (!current) throw new Error('initBackend() has not been called.');
  return current;
}
