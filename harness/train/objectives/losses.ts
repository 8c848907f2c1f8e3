// The losses objectives share: cross-entropy over classes, and next-token loss of a causal model.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../model/model.js';
import type { Batch } from '../batch.js';
import { isCausal } from '../../model/config.js';
import { softmaxNll } from '../../backend/ops/index.js';

/** −log softmax(logits)[label] per row from plain ops (logSoftmax × oneHot): backends without the fused kernel. */
export function plainNll(logits: tf.Tensor2D, labels: tf.Tensor): tf.Tensor1D {
  const oneHot = tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, logits.shape[1]);
  return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), 1)) as tf.Tensor1D;
}

/** Mean cross-entropy of logits [N,C] against int labels [N]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor): tf.Scalar {
  // One kernel each way where the backend has it (webgpu, native, wasm).
  return tf.mean(softmaxNll(logits, labels) ?? plainNll(logits, labels)) as tf.Scalar;
}

/** Next-token loss at every position of a causal model: nll [B, T-1] (0 at padding) and the valid mask [B, T-1]. */
export function causalNll(m: Model, b: Batch): { nll: tf.Tensor2D; valid: tf.Tensor2D } {
  if (!isCausal(m.family)) throw new Error('A language-modeling task needs a decoder (causal) model.');
  const [B, T] = b.ids.shape;
  const h = m.hidden(b.ids, b.mask); // [B,T,d]
  const d = h.shape[2];
  const logits = m.lmLogits(tf.reshape(tf.slice(h, [0, 0, 0], [-1, T - 1, -1]), [-1, d]) as tf.Tensor2D); // [B(T-1), V]
  const targets = tf.reshape(tf.slice(b.ids, [0, 1], [-1, -1]), [-1]) as tf.Tensor1D;
  const valid = tf.slice(b.mask, [0, 1], [-1, -1]) as tf.Tensor2D; // [B, T-1]
  const nll = softmaxNll(logits, targets) ?? plainNll(logits, targets);
  return { nll: tf.mul(tf.reshape(nll, [B, T - 1]), valid) as tf.Tensor2D, valid };
}
