// Activation (gradient) checkpointing per transformer block: the forward keeps only each block's input, the backward
// runs the block again to get its gradients (torch.utils.checkpoint's trade: one more forward for a block's activations).
//
// tfjs has no checkpoint op, so a block becomes one tf.customGrad whose inputs are the block input and the trainable
// variables the block reads; the forward runs inside the kernel, where the tape records nothing, and the gradient
// recomputes the block under a tape of its own. tfjs keeps one tape per engine, so that inner tape is run with the
// caller's set aside (`isolated`) and restored after. Which variables a block reads is found once per block by one
// gradient pass (and again when the trainable set changes, as LISA's does).
//
// Caveat as in PyTorch without preserve_rng_state: a technique that draws a fresh random mask per call (seeded dropout)
// draws another in the recompute, so its gradient is that of a second mask.
import * as tf from '@tensorflow/tfjs';

interface EngineState {
  activeTape: unknown;
  gradientDepth: number;
}
const engineState = () => (tf.engine() as unknown as { state: EngineState }).state;

/** Whether a gradient is being taken now (a tape is recording); evaluation and calibration passes run with none. */
export const takingGradients = (): boolean => engineState().gradientDepth > 0;

/** Runs f with the engine's gradient tape set aside, so f can take gradients of its own and leave the caller's tape whole. */
function isolated<T>(f: () => T): T {
  const s = engineState();
  const [tape, depth] = [s.activeTape, s.gradientDepth];
  s.activeTape = null;
  s.gradientDepth = 0;
  try {
    return f();
  } finally {
    s.activeTape = tape;
    s.gradientDepth = depth;
  }
}

export class BlockCheckpointer {
  private readonly used = new Map<number, { key: string; vars: tf.Variable[] }>();

  /** `trainable`: the variables the trainer takes gradients of (the technique's parameter groups). */
  constructor(private readonly trainable: () => tf.Variable[]) {}

  /**
   * block(x, ctx) for block i, recomputed in the backward pass instead of keeping its activations. `ctx` holds every
   * tensor the block reads besides x and variables (mask, RoPE tables): the forward's scope disposes tensors no tape node
   * saved, so the block must get them from here, not from its closure, to run again.
   */
  run(i: number, block: (x: tf.Tensor, ctx: tf.Tensor[]) => tf.Tensor, x: tf.Tensor, ctx: tf.Tensor[]): tf.Tensor {
    if (!takingGradients()) return block(x, ctx); // no gradient is being taken (evaluation): nothing to save
    const vars = this.varsOf(i, (x) => block(x, ctx), x);
    const n = 1 + ctx.length;
    const op = tf.customGrad(((...args: unknown[]) => {
      const inputs = args.slice(0, n) as tf.Tensor[]; // then the variables, then customGrad's save()
      (args[args.length - 1] as tf.GradSaveFunc)(inputs);
      const value = tf.tidy(() => block(inputs[0], inputs.slice(1)));
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
        isolated(() => {
          const [xx, ...cc] = saved;
          const { value: y, grads } = tf.engine().gradients(() => block(xx, cc), [xx, ...vars], dy, true);
          y.dispose();
          const zeros = cc.map((c) => tf.zeros(c.shape)); // mask and tables are data, not trained (float32 even for an int mask)
          return [grads[0] ?? tf.zerosLike(xx), ...zeros, ...grads.slice(1).map((g, k) => g ?? tf.zerosLike(vars[k]))];
        });
      return { value, gradFunc };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return op(x, ...ctx, ...vars);
  }

  /** The trainable variables block i reads: those with a gradient through it (one extra pass, first step only). */
  private varsOf(i: number, block: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Variable[] {
    const all = this.trainable();
    const key = all.map((v) => v.id).join(',');
    const hit = this.used.get(i);
    if (hit && hit.key === key) return hit.vars;
    const vars = all.length === 0 ? [] : isolated(() => {
      const { value, grads } = tf.engine().gradients(() => tf.sum(block(x)), all, undefined, true);
      const used = all.filter((_, k) => grads[k] != null);
      tf.dispose([value, ...grads.filter((g) => g != null)]);
      return used;
    });
    this.used.set(i, { key, vars });
    return vars;
  }
}
