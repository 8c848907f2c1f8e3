// Which matrix product runs on WebGPU: tfjs's own programs, or ftbench's tiled kernel (kernels/matmul.ts), which is
// also the only one with a mixed-precision form. Registered over BatchMatMul and _FusedMatMul; what ours does not
// cover (activations, PReLU, partially broadcast batches, other dtypes) goes to tfjs's kernel unchanged.
/* eslint-disable @typescript-eslint/no-explicit-any -- tfjs's WebGPU backend internals are untyped here. */
import * as tf from '@tensorflow/tfjs';
import { precision } from '../precision.js';
import { matmulShape, matmulWebgpu, type MatmulArgs } from './kernels/matmul.js';

export type MatmulImpl = 'ftb' | 'tfjs';

// fp32 default: tfjs's programs, which measured faster on lavapipe (docs/gpu.md); FTBENCH_WEBGPU_MATMUL=ftb picks ours.
let impl: MatmulImpl = process.env.FTBENCH_WEBGPU_MATMUL === 'ftb' ? 'ftb' : 'tfjs';

/** Chooses the fp32 matmul (bench/gpu.ts compares both in one process); returns the previous choice. */
export function useMatmul(next: MatmulImpl): MatmulImpl {
  const was = impl;
  impl = next;
  return was;
}

function ours(backend: any, args: Omit<MatmulArgs, 'mixed'>): tf.TensorInfo | null {
  const mixed = precision() === 'mixed';
  if (!mixed && impl === 'tfjs') return null;
  if (mixed && !backend.device.features.has('shader-f16')) {
    throw new Error('budget.precision "mixed" needs shader-f16, which this WebGPU device lacks: remove precision (fp32 is the default).');
  }
  const full = { ...args, mixed };
  const shape = matmulShape(full);
  return shape ? matmulWebgpu(backend, full, shape) : null;
}

/** Replaces the stock kernels by ones that take ours where it applies (once per process). */
export function registerMatmul(): string[] {
  const stockBatch = tf.getKernel('BatchMatMul', 'webgpu')!;
  const stockFused = tf.getKernel('_FusedMatMul', 'webgpu')!;
  const batch: tf.KernelConfig = {
    kernelName: 'BatchMatMul',
    backendName: 'webgpu',
    kernelFunc: (c) => {
      const { a, b } = c.inputs as Record<string, tf.TensorInfo>;
      const { transposeA, transposeB } = c.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      return ours(c.backend, { a, b, transposeA, transposeB }) ?? stockBatch.kernelFunc(c);
    },
  };
  const fused: tf.KernelConfig = {
    kernelName: '_FusedMatMul',
    backendName: 'webgpu',
    kernelFunc: (c) => {
      const { a, b, bias, preluActivationWeights } = c.inputs as Record<string, tf.TensorInfo | undefined>;
      const { transposeA, transposeB, activation } = c.attrs as unknown as { transposeA: boolean; transposeB: boolean; activation?: string };
      const plain = (activation == null || activation === 'linear') && preluActivationWeights == null;
      return (plain ? ours(c.backend, { a: a!, b: b!, transposeA, transposeB, bias: bias ?? null }) : null) ?? stockFused.kernelFunc(c);
    },
  };
  for (const k of [batch, fused]) {
    tf.unregisterKernel(k.kernelName, 'webgpu');
    tf.registerKernel(k);
  }
  return ['BatchMatMul', '_FusedMatMul'];
}
