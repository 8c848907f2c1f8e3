// Batches: token ids, padding mask and targets as tensors, built from tokenised examples.
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  ids: tf.Tensor2D; // [B, T] int32
  mask: tf.Tensor2D; // [B, T] float 1 = token
  /** Classification: int32 [B]; regression: float [B]; LM: int32 [B, T] next/masked token (-1 = ignore). */
  labels: tf.Tensor;
  /** Real (non-pad) tokens in the batch, for tokens/s. */
  tokens: number;
}

export interface Encoded {
  ids: number[];
  label: number;
}

export const PAD = 0;

/** Right-pads a list of token sequences to the longest (≤ maxLen) and stacks them. */
export function makeBatch(rows: Encoded[], maxLen: number, labelDtype: 'int32' | 'float32'): Batch {
  const T = Math.min(maxLen, Math.max(1, ...rows.map((r) => r.ids.length)));
  const B = rows.length;
  const ids = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  let tokens = 0;
  rows.forEach((r, b) => {
    const n = Math.min(T, r.ids.length);
    for (let t = 0; t < n; t++) {
      ids[b * T + t] = r.ids[t];
      mask[b * T + t] = 1;
    }
    tokens += n;
  });
  return {
    ids: tf.tensor2d(ids, [B, T], 'int32'),
    mask: tf.tensor2d(mask, [B, T]),
    labels: tf.tensor1d(rows.map((r) => r.label), labelDtype),
    tokens,
  };
}

export function disposeBatch(b: Batch): void {
  tf.dispose([b.ids, b.mask, b.labels]);
}
