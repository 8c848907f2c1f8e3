// FtbSoftmaxNll / FtbSoftmaxNllGrad on the kernel pack: softmax cross-entropy in one native pass each way (rows split
// across the pack's threads), behind ops/softmax_nll.ts. The plain form (logSoftmax, oneHot, mul, sum, neg: ~30
// kernels a step, tfjs-cpu's JS OneHot among them) keeps six [N, C] tensors live at once, 131 MB each at 1024 × 32k.
import * as tf from '@tensorflow/tfjs';
import type { TensorMemory } from './memory.js';
import type { NativeAddon } from '../native/index.js';
import { SOFTMAX_NLL, SOFTMAX_NLL_GRAD } from '../ops/softmax_nll.js';

/** [rows, c] of the logits, after checking the labels are the int32 [rows] the addon reads. */
function shapeOf(name: string, logits: tf.TensorInfo, labels: tf.TensorInfo): [number, number] {
  const [rows, c] = logits.shape;
  if (logits.shape.length !== 2 || labels.dtype !== 'int32' || labels.shape.length !== 1 || labels.shape[0] !== rows) {
    throw new Error(`${name}: labels must be int32 of shape [${rows}] for logits of shape [${logits.shape.join(', ')}], ` +
      `got ${labels.dtype} [${labels.shape.join(', ')}]: call softmaxNll() (ops/softmax_nll.ts), which casts them.`);
  }
  return [rows, c];
}

export function softmaxNllConfigs(addon: NativeAddon, mem: TensorMemory): tf.KernelConfig[] {
  return [
    {
      kernelName: SOFTMAX_NLL,
      backendName: mem.backendName,
      kernelFunc: ({ inputs, backend }) => {
        const b = backend;
        const { logits, labels } = inputs as { logits: tf.TensorInfo; labels: tf.TensorInfo };
        const [rows, c] = shapeOf(SOFTMAX_NLL, logits, labels);
        const nll = mem.alloc(b, [rows], 'float32'), lse = mem.alloc(b, [rows], 'float32');
        addon.softmaxNll(mem.heap(b), mem.ref(b, logits), mem.ref(b, labels), mem.ref(b, nll), mem.ref(b, lse), rows, c);
        return [nll, lse];
      },
    },
    {
      kernelName: SOFTMAX_NLL_GRAD,
      backendName: mem.backendName,
      kernelFunc: ({ inputs, backend }) => {
        const b = backend;
        const { dy, logits, labels, lse } = inputs as Record<'dy' | 'logits' | 'labels' | 'lse', tf.TensorInfo>;
        const [rows, c] = shapeOf(SOFTMAX_NLL_GRAD, logits, labels);
        const dx = mem.alloc(b, logits.shape, 'float32');
        addon.softmaxNllGrad(mem.heap(b), mem.ref(b, dy), mem.ref(b, logits), mem.ref(b, labels), mem.ref(b, lse), mem.ref(b, dx), rows, c);
        return dx;
      },
    },
  ];
}
