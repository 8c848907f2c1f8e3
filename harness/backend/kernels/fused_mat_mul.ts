// _FusedMatMul (matmul + bias + activation) on the wasm backend: native sgemm with the epilogue fused in C.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from '../native/index.js';
import { planMatMul } from './mat_mul_common.js';
import { heapOf, offsetOf, sizeOf } from './heap.js';

// Codes understood by ftb_bmm's epilogue; prelu needs a weights tensor and is left to the stock Prelu kernel.
const ACT: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 };

function runWasm(name: string, inputs: tf.NamedTensorInfoMap, backend: BackendWasm): tf.TensorInfo {
  return tf.getKernel(name, 'wasm')!.kernelFunc({ inputs, backend, attrs: {} }) as tf.TensorInfo;
}

export function fusedMatMulConfig(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: '_FusedMatMul',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend as BackendWasm;
      const { a, b: bt, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
      const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as
        { transposeA: boolean; transposeB: boolean; activation: string; leakyreluAlpha?: number };
      const p = planMatMul(a!.shape, bt!.shape, transposeA, transposeB);
      // The epilogue broadcasts a bias along the last axis only; any other bias shape goes through Add.
      const fuseBias = bias != null && (sizeOf(bias) === 1 || (sizeOf(bias) === p.n && bias.shape[bias.shape.length - 1] === p.n));
      const fuseAct = !(bias != null && !fuseBias) && activation in ACT;
      let out = b.makeOutput(p.outShape, 'float32');
      addon.bmm(heapOf(b), offsetOf(b, a!), offsetOf(b, bt!), offsetOf(b, out), p.batch, p.m, p.n, p.k,
        +transposeA, +transposeB, p.aIdx, p.bIdx, fuseBias ? offsetOf(b, bias!) : -1, fuseBias ? sizeOf(bias!) : 0,
        fuseAct ? ACT[activation] : 0, leakyreluAlpha ?? 0.2);
      if (bias != null && !fuseBias) {
        const sum = runWasm('Add', { a: out, b: bias }, b);
        b.disposeData(out.dataId);
        out = sum;
      }
      if (!fuseAct && activation !== 'linear') {
        const kernel = { relu: 'Relu', relu6: 'Relu6', leakyrelu: 'LeakyRelu', sigmoid: 'Sigmoid', elu: 'Elu', prelu: 'Prelu' }[activation];
        if (!kernel) throw new Error(`_FusedMatMul: unknown activation "${activation}".`);
        const inputsAct: tf.NamedTensorInfoMap = activation === 'prelu' ? { x: out, alpha: preluActivationWeights! } : { x: out };
        const k = tf.getKernel(kernel, 'wasm')!;
        const act = k.kernelFunc({ inputs: inputsAct, backend: b, attrs: { alpha: leakyreluAlpha ?? 0.2 } }) as tf.TensorInfo;
        b.disposeData(out.dataId);
        out = act;
      }
      return out;
    },
  };
}
