// adamwUpdate(p, g, m, v, attrs) → [p', m', v']: one fused kernel where the backend has it, else the plain-op form
// of harness/train/adamw.ts. Not differentiable (an optimizer step).
import * as tf from '@tensorflow/tfjs';
import { ADAMW, type AdamWAttrs } from '../kernels/adamw.js';
import { hasKernel, runKernel } from './fused.js';

export type { AdamWAttrs };

export function adamwUpdate(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, a: AdamWAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (hasKernel(ADAMW) && p.dtype === 'float32') return runKernel(ADAMW, { p, g, m, v }, { ...a }) as [tf.Tensor, tf.Tensor, tf.Tensor];
  return tf.tidy(() => {
    const m2 = tf.add(tf.mul(m, a.beta1), tf.mul(g, 1 - a.beta1));
    const v2 = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(g), 1 - a.beta2));
    const update = tf.div(tf.div(m2, a.c1), tf.add(tf.sqrt(tf.div(v2, a.c2)), a.eps));
    const p2 = tf.sub(a.decay === 1 ? p : tf.mul(p, a.decay), tf.mul(update, a.lr));
    return [p2, m2, v2] as [tf.Tensor, tf.Tensor, tf.Tensor];
  });
}
