// adamwUpdate(p, g, m, v, attrs) → [p', m', v']: one fused kernel where the backend has it, else the plain-op form
// of harness/train/adamw.ts; adamwUpdateGroup does several parameters in one kernel call where the backend has the
// group kernel (webgpu: few dispatches for them), else one adamwUpdate each. Not differentiable (an optimizer step).
import * as tf from '@tensorflow/tfjs';
import { ADAMW, ADAMW_GROUP, type AdamWAttrs, type AdamWGroupAttrs } from '../kernels/adamw.js';
import { adamwGroupCapacity } from '../webgpu/kernels/adamw.js';
import { hasKernel, runKernel } from './fused.js';

export type { AdamWAttrs };

type Update = [tf.Tensor, tf.Tensor, tf.Tensor];

export function adamwUpdate(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, a: AdamWAttrs): Update {
  if (hasKernel(ADAMW) && p.dtype === 'float32') return runKernel(ADAMW, { p, g, m, v }, { ...a }) as Update;
  return tf.tidy(() => {
    const m2 = tf.add(tf.mul(m, a.beta1), tf.mul(g, 1 - a.beta1));
    const v2 = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(g), 1 - a.beta2));
    const update = tf.div(tf.div(m2, a.c1), tf.add(tf.sqrt(tf.div(v2, a.c2)), a.eps));
    const p2 = tf.sub(a.decay === 1 ? p : tf.mul(p, a.decay), tf.mul(update, a.lr));
    return [p2, m2, v2] as Update;
  });
}

export interface AdamWItem { p: tf.Tensor; g: tf.Tensor; m: tf.Tensor; v: tf.Tensor; attrs: AdamWAttrs }

/**
 * How many parameters to hand adamwUpdateGroup at a time: what one dispatch of the group kernel takes (its outputs all
 * exist before the caller assigns them, so no more), or 1 where the backend has no group kernel.
 */
export function adamwGroupSize(): number {
  return hasKernel(ADAMW_GROUP) ? adamwGroupCapacity(tf.backend()) : 1;
}

/** The updates of several parameters, in order; betas and ε are the first item's (one optimizer's). */
export function adamwUpdateGroup(items: AdamWItem[]): Update[] {
  if (items.length < 2 || !hasKernel(ADAMW_GROUP) || items.some((x) => x.p.dtype !== 'float32')) {
    return items.map((x) => adamwUpdate(x.p, x.g, x.m, x.v, x.attrs));
  }
  const { beta1, beta2, eps } = items[0].attrs;
  const attrs: AdamWGroupAttrs = {
    beta1, beta2, eps, lr: items.map((x) => x.attrs.lr), c1: items.map((x) => x.attrs.c1), c2: items.map((x) => x.attrs.c2), decay: items.map((x) => x.attrs.decay),
  };
  const inputs: tf.NamedTensorMap = {};
  items.forEach((x, j) => Object.assign(inputs, { [`p${j}`]: x.p, [`g${j}`]: x.g, [`m${j}`]: x.m, [`v${j}`]: x.v }));
  const outs = runKernel(ADAMW_GROUP, inputs, attrs as unknown as Record<string, unknown>) as tf.Tensor[];
  return items.map((_, j) => outs.slice(3 * j, 3 * j + 3) as Update);
}
