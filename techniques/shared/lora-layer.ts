// The low-rank update every LoRA-family plugin shares: y = x W + s · dropout(x) A B, with A [d_in, r], B [r, d_out].
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../harness/model/model.js';
import type { Linear } from '../../harness/model/module.js';
import type { ParamGroup } from '../../harness/plugin.js';
import { SeedStream } from '../../harness/model/module.js';

export interface LoraOptions {
  r: number;
  /** The update's scale s: α/r for LoRA, α/√r for rsLoRA. */
  scale: number;
  dropout: number;
  seed: number;
}

export interface LoraPair {
  linear: Linear;
  A: tf.Variable; // [d_in, r]
  B: tf.Variable; // [r, d_out]
}

/** A's init: Kaiming-uniform as in the reference implementation (bound 1/√d_in); B starts at zero so ΔW = 0. */
export function initA(dIn: number, r: number, seed: number): tf.Tensor2D {
  const bound = 1 / Math.sqrt(dIn);
  return tf.randomUniform([dIn, r], -bound, bound, 'float32', seed) as tf.Tensor2D;
}

export class LoraAdapter {
  readonly pairs: LoraPair[];
  private readonly removers: (() => void)[] = [];
  private merged = false;

  constructor(
    private readonly model: Model,
    targets: Linear[],
    readonly opts: LoraOptions,
    /** Override of the update x ↦ x A B (DyLoRA truncates the rank); defaults to the full pair. */
    update?: (x: tf.Tensor, p: LoraPair) => tf.Tensor,
  ) {
    if (targets.length === 0) throw new Error('No linear layer matches the technique\'s target modules.');
    const seeds = new SeedStream(opts.seed + 7919);
    this.pairs = targets.map((linear) => ({
      linear,
      A: tf.tidy(() => tf.variable(initA(linear.dIn, opts.r, seeds.next()), true)),
      B: tf.tidy(() => tf.variable(tf.zeros([opts.r, linear.dOut]), true)),
    }));
    const delta = update ?? ((x, p) => tf.matMul(tf.matMul(x, p.A), p.B));
    for (const p of this.pairs) {
      this.removers.push(
        model.hooks.wrap(p.linear.name, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
          const y = next(x);
          const xd = model.training && opts.dropout > 0 ? tf.dropout(x, opts.dropout) : x;
          const x2 = tf.reshape(xd, [-1, p.linear.dIn]);
          return tf.add(y, tf.reshape(tf.mul(delta(x2, p), opts.scale), y.shape));
        }),
      );
    }
  }

  vars(): tf.Variable[] {
    return this.pairs.flatMap((p) => [p.A, p.B]);
  }

  groups(): ParamGroup[] {
    return [{ vars: this.vars() }];
  }

  /** ΔW = s · A B for one pair. */
  deltaW(p: LoraPair): tf.Tensor2D {
    return tf.tidy(() => tf.mul(tf.matMul(p.A, p.B), this.opts.scale));
  }

  /** Folds ΔW into W and removes the hooks; a second call does nothing. */
  merge(): void {
    if (this.merged) return;
    for (const p of this.pairs) {
      const d = this.deltaW(p);
      p.linear.weight.assign(tf.add(p.linear.weight, d));
      d.dispose();
    }
    this.removers.forEach((r) => r());
    this.merged = true;
  }

  state(): Record<string, tf.Tensor> {
    const s: Record<string, tf.Tensor> = {};
    for (const p of this.pairs) {
      s[`${p.linear.name}.lora_A`] = tf.clone(p.A);
      s[`${p.linear.name}.lora_B`] = tf.clone(p.B);
    }
    return s;
  }

  load(s: Record<string, tf.Tensor>): void {
    for (const p of this.pairs) {
      for (const [key, v] of [['lora_A', p.A], ['lora_B', p.B]] as const) {
        const t = s[`${p.linear.name}.${key}`];
        if (!t) throw new Error(`The adapter state has no tensor "${p.linear.name}.${key}".`);
        if (t.shape.join() !== v.shape.join()) throw new Error(`Adapter tensor "${p.linear.name}.${key}" has shape [${t.shape}], expected [${v.shape}].`);
        v.assign(t);
      }
    }
  }

  dispose(): void {
    if (!this.merged) this.removers.forEach((r) => r());
    for (const p of this.pairs) tf.dispose([p.A, p.B]);
  }
}
