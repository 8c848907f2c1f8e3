// The pieces a model is built from: named parameters, linear layers, and hook points techniques wrap.
import * as tf from '@tensorflow/tfjs';
import { linear } from '../backend/ops/linear.js';
import type { PointIO } from './hook-points.js';

/** A wrapper around a hook point: gets the input and the rest of the chain, returns the output. */
export type Wrapper<I = any, O = any> = (input: I, next: (input: I) => O) => O;

/**
 * Named hook points (hook-points.ts): linear layers are points named after the layer (`layers.0.attn.q`); blocks
 * expose `layers.N.attn`, `layers.N.attn.qkv`, `layers.N.ffn`, `layers.N.ffn.act`; and `embed`, `embed.tok`. A model
 * declares its points as it builds them, and wrapping a point it does not have throws, so a misspelt one cannot
 * silently never fire. When hooks are disabled every point runs its base computation ("disable the adapter").
 */
export class Hooks {
  private readonly wrappers = new Map<string, Wrapper[]>();
  private readonly points = new Set<string>();
  enabled = true;

  /** Points this model offers; wrap() accepts only these. */
  declare(...points: string[]): void {
    for (const p of points) this.points.add(p);
  }

  wrap<P extends string>(point: P, fn: Wrapper<PointIO<P>[0], PointIO<P>[1]>): () => void {
    if (!this.points.has(point)) throw new Error(unknownPoint(point, [...this.points]));
    const list = this.wrappers.get(point) ?? [];
    list.push(fn);
    this.wrappers.set(point, list);
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  has(point: string): boolean {
    return (this.wrappers.get(point)?.length ?? 0) > 0;
  }

  call<P extends string>(point: P, input: PointIO<P>[0], base: (input: PointIO<P>[0]) => PointIO<P>[1]): PointIO<P>[1] {
    const list = this.wrappers.get(point);
    if (!this.enabled || !list || list.length === 0) return base(input);
    // The first registered wrapper is innermost.
    let f = base;
    for (const w of list) {
      const inner = f;
      f = (x) => w(x, inner);
    }
    return f(input);
  }

  clear(): void {
    this.wrappers.clear();
  }
}

/** One sentence for a point the model lacks, with the closest names it has. */
function unknownPoint(point: string, known: string[]): string {
  const shape = (s: string) => s.replace(/\.\d+\./g, '.N.');
  const near = [...new Set(known.filter((k) => shape(k) !== shape(point) && (k.endsWith(point.split('.').pop()!) || point.startsWith(k.split('.')[0]))).map(shape))].slice(0, 6);
  return `Unknown hook point "${point}": this model has no such point${near.length ? ` (points like it: ${near.join(', ')})` : ''}; see harness/model/hook-points.ts.`;
}

/**
 * A frozen weight held outside tfjs (packed 4-bit, int8) since load: it is dequantized on demand, one matmul at a time,
 * so a quantized base never has an fp32 copy of all its weights (techniques/quantization/quant/packed-weight.ts).
 */
export interface FrozenWeight {
  readonly dIn: number;
  readonly dOut: number;
  /** Bytes it occupies. */
  bytes(): number;
  /** The weight [d_in, d_out] in fp32, a new tensor the caller disposes. */
  dequantize(): tf.Tensor2D;
}

/** y = x W + b with W stored [d_in, d_out] (a variable, or a frozen packed weight); a hook point named after the layer. */
export class Linear {
  constructor(
    readonly name: string,
    private readonly w: tf.Variable | FrozenWeight,
    readonly bias: tf.Variable | null,
    private readonly hooks: Hooks,
  ) {}

  /** The fp32 weight variable; a layer loaded packed has none. */
  get weight(): tf.Variable {
    if (!(this.w instanceof tf.Variable)) throw new Error(`Linear ${this.name} was loaded packed (frozen, quantized): it has no fp32 weight to read or train.`);
    return this.w;
  }

  /** The packed weight of a layer loaded quantized, else null. */
  get frozen(): FrozenWeight | null {
    return this.w instanceof tf.Variable ? null : this.w;
  }

  get dIn(): number {
    return this.w instanceof tf.Variable ? this.w.shape[0] : this.w.dIn;
  }
  get dOut(): number {
    return this.w instanceof tf.Variable ? this.w.shape[1]! : this.w.dOut;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.hooks.call(this.name, x, (x) => this.base(x));
  }

  /** The frozen-base computation, also used by wrappers that add to it. */
  base(x: tf.Tensor, weight?: tf.Tensor): tf.Tensor {
    if (weight) return dense(x, weight, this.bias);
    return this.w instanceof tf.Variable ? dense(x, this.w, this.bias) : frozenDense(x, this.w, this.bias);
  }
}

/**
 * x · W + b for a packed frozen W, as bitsandbytes' 4-bit matmul: the forward dequantizes W and drops it after the
 * product; the backward dequantizes it again for dx = dy · Wᵀ. Only x is kept for backward, never the fp32 W.
 */
export function frozenDense(x: tf.Tensor, w: FrozenWeight, b: tf.Tensor | null = null): tf.Tensor {
  const op = tf.customGrad(((...args: tf.Tensor[]) => {
    const xx = args[0];
    const bb = b ? args[1] : null; // customGrad appends its save() function to the inputs
    const value = tf.tidy(() => dense(xx, w.dequantize(), bb));
    const gradFunc = (dy: tf.Tensor) =>
      tf.tidy(() => {
        // Rank 3, as linear()'s own gradient (backend/ops/linear.ts) computes it, so both give the same dx bit for bit.
        const dy3 = tf.reshape(dy, [1, -1, w.dOut]) as tf.Tensor3D;
        const dx = tf.reshape(tf.matMul(dy3, tf.reshape(w.dequantize(), [1, w.dIn, w.dOut]) as tf.Tensor3D, false, true), xx.shape);
        return bb ? [dx, tf.sum(dy3, [0, 1])] : [dx];
      });
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return b ? op(x, b) : op(x);
}

/** x [..., d_in] @ w [d_in, d_out] (+ b), as one matmul over all leading positions. */
export function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | null = null): tf.Tensor {
  return linear(x, w as tf.Tensor2D, b);
}

/** Glob over dotted names: `*` one segment, `**` any number, `{q,v}` alternatives. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^.]+';
    else if (c === '{') re += '(?:';
    else if (c === '}') re += ')';
    else if (c === ',') re += '|';
    else re += c.replace(/[.+?^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Deterministic seeds for parameter initialisation: one stream per model. */
export class SeedStream {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    // xorshift32: enough to give every tensor its own reproducible seed.
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
}
