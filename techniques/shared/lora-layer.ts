// The low-rank update every LoRA-family plugin shares: y = x W + s · dropout(x) A B, with A [d_in, r], B [r, d_out].
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../harness/model/model.js';
import type { Linear } from '../../harness/model/module.js';
import type { ParamGroup } from '../../harness/plugin.js';
import type { AdapterModule } from './applied.js';
import { SeedStream } from '../../harness/model/module.js';
import { seededDropout } from './dropout.js';
import { loraDelta } from '../../harness/backend/ops/index.js';
import { cloneNamed, loadNamed, type Named } from './state.js';

export interface LoraOptions {
  r: number;
  /** The update's scale s: α/r for LoRA, α/√r for rsLoRA. */
  scale: number;
  dropout: number;
  seed: number;
  /** Custom (A, B) at init instead of random A, zero B (PiSSA: principal singular triplets of W). */
  init?: (linear: Linear) => { A: tf.Tensor2D; B: tf.Tensor2D };
  /**
   * Keep a frozen copy A₀, B₀ of the initial pair and apply s·(AB − A₀B₀): with a non-zero init the adapted model
   * still starts equal to the base, and W itself is never edited (PiSSA's W_res = W − s·A₀B₀, kept inside the hook).
   */
  offsetInit?: boolean;
}

export interface LoraPair {
  linear: Linear;
  A: tf.Variable; // [d_in, r]
  B: tf.Variable; // [r, d_out]
  /** Frozen initial pair when `offsetInit`. */
  A0?: tf.Variable;
  B0?: tf.Variable;
}

/** A's init: Kaiming-uniform as in the reference implementation (bound 1/√d_in); B starts at zero so ΔW = 0. */
export function initA(dIn: number, r: number, seed: number): tf.Tensor2D {
  const bound = 1 / Math.sqrt(dIn);
  return tf.randomUniform([dIn, r], -bound, bound, 'float32', seed) as tf.Tensor2D;
}

export class LoraAdapter implements AdapterModule {
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
    this.pairs = targets.map((linear) => {
      const seed = seeds.next();
      const vars = tf.tidy(() => {
        const init = opts.init ? opts.init(linear) : { A: initA(linear.dIn, opts.r, seed), B: tf.zeros([opts.r, linear.dOut]) as tf.Tensor2D };
        const v: Record<string, tf.Variable> = { A: tf.variable(init.A, true), B: tf.variable(init.B, true) };
        if (opts.offsetInit) Object.assign(v, { A0: tf.variable(init.A, false), B0: tf.variable(init.B, false) });
        return v;
      });
      return { linear, ...vars } as LoraPair;
    });
    const scaled = (t: tf.Tensor) => (opts.scale === 1 ? t : tf.mul(t, opts.scale));
    const pairUpdate = update ?? ((x, p) => tf.matMul(tf.matMul(x, p.A), p.B));
    // s · x A B: the plain pair scales its rank-r intermediate, d_out / r times fewer elements than the output.
    const delta = opts.offsetInit
      ? (x: tf.Tensor, p: LoraPair) => scaled(tf.sub(pairUpdate(x, p), tf.matMul(tf.matMul(x, p.A0!), p.B0!)))
      : update
        ? (x: tf.Tensor, p: LoraPair) => scaled(update(x, p))
        : (x: tf.Tensor, p: LoraPair) => loraDelta(x, p.A, p.B, opts.scale); // one kernel on webgpu
    const drop = seededDropout(opts.seed);
    for (const p of this.pairs) {
      this.removers.push(
        model.hooks.wrap(p.linear.name, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
          const y = next(x);
          const xd = model.training ? drop(x, opts.dropout) : x;
          const x2 = tf.reshape(xd, [-1, p.linear.dIn]);
          return tf.add(y, tf.reshape(delta(x2, p), y.shape));
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

  /** The pairs, and the frozen initial pairs with `offsetInit`. */
  params(): tf.Variable[] {
    return this.pairs.flatMap((p) => [p.A, p.B, ...(p.A0 ? [p.A0, p.B0!] : [])]);
  }

  /** ΔW = s · A B for one pair (s · (A B − A₀ B₀) with `offsetInit`). */
  deltaW(p: LoraPair): tf.Tensor2D {
    return tf.tidy(() => {
      const ab = tf.matMul(p.A, p.B);
      return tf.mul(p.A0 ? tf.sub(ab, tf.matMul(p.A0, p.B0!)) : ab, this.opts.scale);
    });
  }

  /**
   * Folds ΔW into W but keeps the hooks, then starts a fresh pair (A random with `seed`, B = 0): ReLoRA's restart.
   * The outputs do not change.
   */
  restart(seed: number): void {
    if (this.merged) throw new Error('A merged LoRA adapter cannot restart.');
    const seeds = new SeedStream(seed);
    for (const p of this.pairs) {
      tf.tidy(() => {
        p.linear.weight.assign(tf.add(p.linear.weight, this.deltaW(p)));
        p.A.assign(initA(p.linear.dIn, this.opts.r, seeds.next()));
        p.B.assign(tf.zerosLike(p.B));
        if (p.A0) p.A0.assign(p.A);
        if (p.B0) p.B0.assign(p.B);
      });
    }
  }

  /** Folds ΔW into W and removes the hooks; a second call does nothing. */
  merge(): void {
    if (this.merged) return;
    for (const p of this.pairs) tf.tidy(() => p.linear.weight.assign(tf.add(p.linear.weight, this.deltaW(p))));
    this.removers.forEach((r) => r());
    this.merged = true;
  }

  /** `<linear>.lora_A`, `.lora_B` (and `.lora_A0`, `.lora_B0` with `offsetInit`) for every pair. */
  private named(): Named {
    return this.pairs.flatMap((p): Named => [
      [`${p.linear.name}.lora_A`, p.A],
      [`${p.linear.name}.lora_B`, p.B],
      ...(p.A0 ? ([[`${p.linear.name}.lora_A0`, p.A0], [`${p.linear.name}.lora_B0`, p.B0!]] as Named) : []),
    ]);
  }

  state(): Record<string, tf.Tensor> {
    return cloneNamed(this.named());
  }

  load(s: Record<string, tf.Tensor>): void {
    loadNamed(this.named(), s);
  }

  dispose(): void {
    if (!this.merged) this.removers.forEach((r) => r());
    for (const p of this.pairs) tf.dispose([p.A, p.B, ...(p.A0 ? [p.A0, p.B0!] : [])]);
  }
}
