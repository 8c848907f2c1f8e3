// _FusedMatMul (matmul + bias + activation): native sgemm with the epilogue fused in C.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../native/index.js';
import { planMatMul } from './mat_mul_common.js';
import { runKernel, type TensorMemory } from './memory.js';

// Codes understood by ftb_bmm's epilogue; prelu needs a weights tensor and is left to the stock Prelu kernel.
const ACT: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 };
const sizeOf = (t: tf.TensorInfo) => t.shape.reduce((p, s) => p * s, 1);

export function fusedMatMulConfig(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig {
  return {
    kernelName: '_FusedMatMul',
    backendName: mem.backendName,
    kernelFunc: ({ inputs, attrs, backend: b }) => {
      const { a, b: bt, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
      const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as
        { transposeA: boolean; transposeB: boolean; activation: string; leakyreluAlpha?: number };
      const p = planMatMul(a!.shape, bt!.shape, transposeA, transposeB);
      // The epilogue broadcasts a bias along the last axis only; any other bias shape goes through Add.
      const fuseBias = bias != null && (sizeOf(bias) === 1 || (sizeOf(bias) === p.n && bias.shape[bias.shape.length - 1] === p.n));
      const fuseAct = !(bias != null && !fuseBias) && activation in ACT;
      let out = mem.alloc(b, p.outShape, 'float32');
      addon.bmm(mem.heap(b), mem.ref(b, a!), mem.ref(b, bt!), mem.ref(b, out), p.batch, p.m, p.n, p.k,
        +transposeA, +transposeB, p.aIdx, p.bIdx, fuseBias ? mem.ref(b, bias!) : mem.none, fuseBias ? sizeOf(bias!) : 0,
        fuseAct ? ACT[activation] : 0, leakyreluAlpha ?? 0.2);
      if (bias != null && !fuseBias) {
        const sum = runKernel(mem, 'Add', { a: out, b: bias }, b);
        mem.free(b, out);
        out = sum;
      }
      if (!fuseAct && activation !== 'linear') {
        const kernel = { relu: 'Relu', relu6: 'Relu6', leakyrelu: 'LeakyRelu', sigmoid: 'Sigmoid', elu: 'Elu', prelu: 'Prelu' }[activation];
        if (!kernel) throw new Error(`_FusedMatMul: unknown activation "${activation}".`);
        const inputsAct: tf.NamedTensorInfoMap = activation === 'prelu' ? { x: out, alpha: preluActivationWeights! } : { x: out };
        const act = runKernel(mem, kernel, inputsAct, b, { alpha: leakyreluAlpha ?? 0.2 });
        mem.free(b, out);
        out = act;
      }
      return out;
    },
  };
}
