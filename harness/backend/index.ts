// Picks and initialises the tensor backend: tfjs-node-gpu / tfjs-node when installed, else wasm plus our kernel pack.
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { unsortedSegmentSumConfig } from './kernels/unsorted_segment_sum.js';

export interface BackendInfo {
  name: string;        // tfjs backend name: 'wasm', 'tensorflow', 'cpu', ...
  threads: number;
  kernelPack: string;  // what we registered on top of the stock backend
  blas: string | null;
}

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
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

async function initWasm(threads: number): Promise<BackendInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(threads);
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) tf.registerKernel(unsortedSegmentSumConfig);
  if (!(await tf.setBackend('wasm'))) throw new Error('The wasm tensor backend failed to initialise.');
  return { name: 'wasm', threads: wasm.getThreadsCount(), kernelPack: 'js', blas: null };
}

export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (current && (choice === 'auto' || choice === current.name)) return current;
  const threads = threadCount();
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
