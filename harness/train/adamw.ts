// AdamW (Loshchilov & Hutter): Adam moments with decoupled weight decay, per-group lr scale and decay.
import * as tf from '@tensorflow/tfjs';
import { adamwGroupSize, adamwUpdateGroup, type AdamWItem } from '../backend/ops/index.js';
import type { Optimizer, OptimizerSpec, ParamGroup } from '../plugin.js';

interface Slot {
  m: tf.Variable;
  v: tf.Variable;
  t: number;
  lrScale: number;
  weightDecay: number;
}

/** tf.variable keeps its initial tensor alive; build it inside tidy so only the variable remains. */
export function zeroVariable(like: tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zerosLike(like), false));
}

export class AdamW implements Optimizer {
  private readonly slots = new Map<tf.Variable, Slot>();
  private readonly groupOf = new Map<tf.Variable, { lrScale: number; weightDecay: number }>();

  constructor(private readonly spec: OptimizerSpec, groups: ParamGroup[]) {
    for (const g of groups) {
      for (const v of g.vars) this.groupOf.set(v, { lrScale: g.lrScale ?? 1, weightDecay: g.weightDecay ?? spec.weightDecay });
    }
  }

  step(grads: Map<tf.Variable, tf.Tensor>, lr: number): void {
    const { beta1: b1, beta2: b2, eps } = this.spec;
    const todo: Array<AdamWItem & { p: tf.Variable; s: Slot }> = [];
    for (const [p, g] of grads) {
      let s = this.slots.get(p);
      if (!s) {
        const group = this.groupOf.get(p) ?? { lrScale: 1, weightDecay: this.spec.weightDecay };
        s = { m: zeroVariable(p), v: zeroVariable(p), t: 0, ...group };
        this.slots.set(p, s);
      }
      s.t += 1;
      const a = lr * s.lrScale;
      // m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  p ← p (1 − lr·λ) − lr · (m/c1) / (√(v/c2) + ε)
      const attrs = { lr: a, beta1: b1, beta2: b2, eps, c1: 1 - b1 ** s.t, c2: 1 - b2 ** s.t, decay: 1 - a * s.weightDecay };
      todo.push({ p, g, m: s.m, v: s.v, attrs, s });
    }
    // A few parameters per kernel call where the backend updates several in one dispatch (webgpu), else one.
    const size = adamwGroupSize();
    for (let i = 0; i < todo.length; i += size) {
      const part = todo.slice(i, i + size);
      tf.tidy(() => {
        adamwUpdateGroup(part).forEach(([p2, m2, v2], j) => {
          const { p, s } = part[j];
          s.m.assign(m2);
          s.v.assign(v2);
          p.assign(p2);
        });
      });
    }
  }

  stateBytes(): number {
    let n = 0;
    for (const s of this.slots.values()) n += (s.m.size + s.v.size) * 4;
    return n;
  }

  /** The moments of one variable, for inspection; undefined before its first step. */
  moments(p: tf.Variable): { m: tf.Tensor; v: tf.Tensor } | undefined {
    const s = this.slots.get(p);
    return s && { m: s.m, v: s.v };
  }

  /**
   * Keeps the first moment's largest-magnitude `keep` share of entries and zeroes the rest of both moments (ReLoRA's
   * partial reset). One mask for both: a kept m over a zeroed v would divide by ε.
   */
  prune(vars: tf.Variable[], keep: number): void {
    for (const p of vars) {
      const s = this.slots.get(p);
      if (!s) continue;
      tf.tidy(() => {
        const mag = tf.abs(s.m);
        const k = Math.max(1, Math.ceil(keep * s.m.size));
        const threshold = tf.min(tf.topk(tf.reshape(mag, [-1]), k).values);
        const mask = tf.cast(tf.greaterEqual(mag, threshold), 'float32');
        s.m.assign(tf.mul(s.m, mask));
        s.v.assign(tf.mul(s.v, mask));
      });
    }
  }

  reset(vars?: tf.Variable[]): void {
    for (const p of vars ?? [...this.slots.keys()]) {
      const s = this.slots.get(p);
      if (!s) continue;
      s.m.dispose();
      s.v.dispose();
      this.slots.delete(p);
    }
  }

  dispose(): void {
    this.reset();
  }
}
