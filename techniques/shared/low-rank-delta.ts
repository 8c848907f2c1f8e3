// A generic weight-update adapter (PEFT style): each target linear gets trainable tensors and a ΔW; the hook adds x ΔW, merge folds ΔW into W.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../harness/model/model.js';
import type { Linear } from '../../harness/model/module.js';
import type { ParamGroup } from '../../harness/plugin.js';
import type { AdapterModule } from './applied.js';
import { SeedStream } from '../../harness/model/module.js';
import { seededDropout } from './dropout.js';
import { cloneNamed, loadNamed, type Named } from './state.js';

/** One adapted linear: its trainable tensors and how they make ΔW. */
export interface DeltaLayer {
  linear: Linear;
  /** Trainable tensors, saved in the adapter state as `${linear.name}.${key}`. */
  vars: Record<string, tf.Variable>;
  /** ΔW [d_in, d_out]: adapted weight minus W, what merge() adds to W. */
  delta(): tf.Tensor2D;
  /** x [N, d_in] ↦ x ΔW [N, d_out] when cheaper than materialising ΔW (VeRA, MoRA); x @ delta() otherwise. */
  apply?(x: tf.Tensor2D): tf.Tensor2D;
}

export type DeltaParts = Omit<DeltaLayer, 'linear'>;
export type DeltaBuilder = (linear: Linear, seed: () => number) => DeltaParts;

export interface DeltaOptions {
  /** Dropout on the adapter path's input while training (LoRA's lora_dropout). */
  dropout: number;
  seed: number;
}

/** Variables created inside tidy so the initial tensor does not stay alive (tf.variable keeps it). */
export function initVar(make: () => tf.Tensor, trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(make(), trainable));
}

/** U(−1/√fan, 1/√fan): Kaiming-uniform with a = √5, PEFT's init for LoRA-style factors (fan: PyTorch's fan-in). */
export function kaiming(shape: [number, number], fan: number, seed: number): tf.Tensor2D {
  return tf.randomUniform(shape, -1 / Math.sqrt(fan), 1 / Math.sqrt(fan), 'float32', seed) as tf.Tensor2D;
}

export class DeltaAdapter implements AdapterModule {
  readonly layers: DeltaLayer[];
  private readonly removers: (() => void)[] = [];
  private merged = false;

  constructor(model: Model, targets: Linear[], build: DeltaBuilder, readonly opts: DeltaOptions) {
    if (targets.length === 0) throw new Error("No linear layer matches the technique's target modules.");
    const seeds = new SeedStream(opts.seed + 7919);
    const drop = seededDropout(opts.seed);
    this.layers = targets.map((linear) => ({ linear, ...build(linear, () => seeds.next()) }));
    for (const l of this.layers) {
      const xDelta = l.apply ? (x: tf.Tensor2D) => l.apply!(x) : (x: tf.Tensor2D) => tf.matMul(x, l.delta());
      this.removers.push(
        model.hooks.wrap(l.linear.name, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
          const y = next(x);
          const xd = model.training ? drop(x, opts.dropout) : x;
          return tf.add(y, tf.reshape(xDelta(tf.reshape(xd, [-1, l.linear.dIn]) as tf.Tensor2D), y.shape));
        }),
      );
    }
  }

  vars(): tf.Variable[] {
    return this.layers.flatMap((l) => Object.values(l.vars));
  }

  groups(): ParamGroup[] {
    return [{ vars: this.vars() }];
  }

  params(): tf.Variable[] {
    return this.vars();
  }

  /** Folds every ΔW into its W and removes the hooks; a second call does nothing. */
  merge(): void {
    if (this.merged) return;
    for (const l of this.layers) {
      const w = tf.tidy(() => tf.add(l.linear.weight, l.delta()));
      l.linear.weight.assign(w);
      w.dispose();
    }
    this.removers.forEach((r) => r());
    this.merged = true;
  }

  /** Each layer's variables as `<linear>.<key>`. */
  private named(): Named {
    return this.layers.flatMap((l) => Object.entries(l.vars).map(([k, v]): [string, tf.Variable] => [`${l.linear.name}.${k}`, v]));
  }

  state(): Record<string, tf.Tensor> {
    return cloneNamed(this.named());
  }

  load(s: Record<string, tf.Tensor>): void {
    loadNamed(this.named(), s);
  }

  dispose(): void {
    if (!this.merged) this.removers.forEach((r) => r());
    tf.dispose(this.vars());
  }
}
