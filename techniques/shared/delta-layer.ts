// The delta layer every weight-update technique shares (PEFT's tuner layer): a target linear gets its kind's tensors and a ΔW; the hook adds x ΔW, merge folds ΔW into W.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../harness/model/model.js';
import type { Linear } from '../../harness/model/module.js';
import type { Applied, ApplyContext, ParamGroup } from '../../harness/plugin.js';
import { applied, type AdapterModule } from './applied.js';
import { SeedStream } from '../../harness/model/module.js';
import { seededDropout } from './dropout.js';
import { loraDelta } from '../../harness/backend/ops/index.js';
import { cloneNamed, loadNamed, type Named } from './state.js';

export type Vars = Record<string, tf.Variable>;

/** One adapted linear: its tensors and how they make ΔW. */
export interface DeltaLayer<V extends Vars = Vars> {
  linear: Linear;
  /** Trained tensors, saved in the adapter state as `<linear>.<key>`. */
  vars: V;
  /** Saved and counted, never trained (PiSSA's initial pair A₀, B₀). */
  frozen?: Vars;
  /** ΔW [d_in, d_out]: adapted weight minus W, what merge() adds to W. */
  delta(): tf.Tensor2D;
  /** x [N, d_in] ↦ x ΔW [N, d_out] without materialising ΔW (LoRA's (s·x A) B, VeRA, MoRA); x @ delta() otherwise. */
  apply?(x: tf.Tensor2D): tf.Tensor2D;
  /** Frees what the kind made beside its tensors (MoRA's index constants). */
  dispose?(): void;
}

export type DeltaParts<V extends Vars = Vars> = Omit<DeltaLayer<V>, 'linear'>;
/** A kind of delta layer: what each target linear gets (LoRA's pair, DoRA's magnitude and direction, LoHa's Hadamard pairs…). */
export type DeltaKind<V extends Vars = Vars> = (linear: Linear, seed: () => number) => DeltaParts<V>;

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

/** LoRA's A [d_in, r] at init, as the reference implementation (B starts at zero so ΔW = 0). */
export const initA = (dIn: number, r: number, seed: number): tf.Tensor2D => kaiming([dIn, r], dIn, seed);

/** s · t, skipping the multiply when s = 1. */
export const scaled = (t: tf.Tensor, s: number): tf.Tensor => (s === 1 ? t : tf.mul(t, s));

export class DeltaAdapter<V extends Vars = Vars> implements AdapterModule {
  readonly layers: DeltaLayer<V>[];
  private readonly removers: (() => void)[] = [];
  private merged = false;

  constructor(model: Model, targets: Linear[], kind: DeltaKind<V>, readonly opts: DeltaOptions) {
    if (targets.length === 0) throw new Error("No linear layer matches the technique's target modules.");
    const seeds = new SeedStream(opts.seed + 7919);
    const drop = seededDropout(opts.seed);
    this.layers = targets.map((linear) => ({ linear, ...kind(linear, () => seeds.next()) }));
    for (const l of this.layers) {
      const xDelta = l.apply ? (x: tf.Tensor2D) => l.apply!(x) : (x: tf.Tensor2D) => tf.matMul(x, l.delta());
      this.removers.push(
        model.hooks.wrap(l.linear.name, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
          const y = next(x); // x W + b
          const xd = model.training ? drop(x, opts.dropout) : x;
          return tf.add(y, tf.reshape(xDelta(tf.reshape(xd, [-1, l.linear.dIn]) as tf.Tensor2D), y.shape)); // + x ΔW
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

  /** The trained tensors and the frozen ones, layer by layer. */
  params(): tf.Variable[] {
    return this.layers.flatMap((l) => [...Object.values(l.vars), ...Object.values(l.frozen ?? {})]);
  }

  /** W ← W + ΔW for every layer, hooks kept: the caller restarts the tensors so ΔW = 0 again (ReLoRA). */
  fold(): void {
    if (this.merged) throw new Error('A merged adapter cannot fold again.');
    for (const l of this.layers) {
      const w = tf.tidy(() => tf.add(l.linear.weight, l.delta()));
      l.linear.weight.assign(w);
      w.dispose();
    }
  }

  /** Folds every ΔW into its W and removes the hooks; a second call does nothing. */
  merge(): void {
    if (this.merged) return;
    this.fold();
    this.removers.forEach((r) => r());
    this.merged = true;
  }

  /** Each layer's tensors as `<linear>.<key>`. */
  private named(): Named {
    return this.layers.flatMap((l) =>
      Object.entries({ ...l.vars, ...l.frozen }).map(([k, v]): [string, tf.Variable] => [`${l.linear.name}.${k}`, v]),
    );
  }

  state(): Record<string, tf.Tensor> {
    return cloneNamed(this.named());
  }

  load(s: Record<string, tf.Tensor>): void {
    loadNamed(this.named(), s);
  }

  dispose(): void {
    if (!this.merged) this.removers.forEach((r) => r());
    tf.dispose(this.params());
    this.layers.forEach((l) => l.dispose?.());
  }
}

/** The apply of a technique that is one delta kind on its `targets`, with the shared seeded dropout. */
export function deltaApply<C extends { targets: string; dropout?: number }>(kind: (cfg: C) => DeltaKind) {
  return (model: Model, cfg: C, ctx: ApplyContext): Applied =>
    applied(model, new DeltaAdapter(model, model.find(cfg.targets), kind(cfg), { dropout: cfg.dropout ?? 0, seed: ctx.seed }));
}

/** LoRA's tensors: A [d_in, r], B [r, d_out]. */
export type LoraVars = { lora_A: tf.Variable; lora_B: tf.Variable };
export type LoraAdapter = DeltaAdapter<LoraVars>;
export type PairInit = (linear: Linear) => { A: tf.Tensor2D; B: tf.Tensor2D };

/** A Kaiming-uniform and B = 0 (ΔW = 0), or the pair `init` gives (LoftQ's fitted pair). */
export function loraPair(linear: Linear, r: number, seed: () => number, init?: PairInit): LoraVars {
  return tf.tidy(() => {
    const p = init ? init(linear) : { A: initA(linear.dIn, r, seed()), B: tf.zeros([r, linear.dOut]) as tf.Tensor2D };
    return { lora_A: tf.variable(p.A, true), lora_B: tf.variable(p.B, true) };
  });
}

/** How a kind of LoRA applies its pair A, B at scale s to x [N, d_in]. */
export type PairApply = (x: tf.Tensor2D, A: tf.Variable, B: tf.Variable) => tf.Tensor;

/**
 * LoRA (Hu et al., 2021): ΔW = s · A B, applied as (s · x A) B — the scale on the rank-r intermediate, d_out / r
 * times fewer elements than the output. Its kinds differ in how they apply the pair (DyLoRA truncates it, quantized
 * LoRA scales the product) or where it starts (LoftQ's `init`); PiSSA's keeps a frozen copy beside it.
 */
export function loraKind(r: number, s: number, o: { apply?: PairApply; init?: PairInit } = {}): DeltaKind<LoraVars> {
  const apply = o.apply ?? ((x, A, B) => loraDelta(x, A, B, s)); // (s · x A) B; one kernel on webgpu
  return (linear, seed) => {
    const vars = loraPair(linear, r, seed, o.init);
    const { lora_A: A, lora_B: B } = vars;
    return {
      vars,
      delta: () => tf.tidy(() => tf.mul(tf.matMul(A, B), s) as tf.Tensor2D),
      apply: (x) => apply(x, A, B) as tf.Tensor2D,
    };
  };
}

/** LoRA pairs of scale `scale` on `targets`. */
export function loraAdapter(model: Model, targets: Linear[], o: { r: number; scale: number; dropout: number; seed: number }): LoraAdapter {
  return new DeltaAdapter(model, targets, loraKind(o.r, o.scale), { dropout: o.dropout, seed: o.seed });
}
