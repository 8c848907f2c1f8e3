// The classification head of causal models (LLaMA- and GPT-2-style, as HF's *ForSequenceClassification): a causal
// model's last real token has seen the whole sequence, so it alone is projected to the classes.
import * as tf from '@tensorflow/tfjs';
import type { ModelParts } from './backbone.js';

export function lastTokenHead(m: ModelParts, d: number, nOut: number, prefix: string): (h: tf.Tensor3D, mask: tf.Tensor2D) => tf.Tensor2D {
  const out = m.linear(`${prefix}.out`, d, nOut, true);
  return (h, mask) => {
    const [B, T] = mask.shape;
    const last = tf.sub(tf.sum(mask, 1), 1); // [B]
    const pick = tf.reshape(tf.oneHot(tf.cast(last, 'int32'), T), [B, T, 1]);
    return out.forward(tf.sum(tf.mul(h, pick), 1)) as tf.Tensor2D;
  };
}
