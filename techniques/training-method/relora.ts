// ReLoRA (Lialin et al., 2023): LoRA merged into W and restarted every N steps, optimizer state pruned, jagged LR with warm restarts.
import * as tf from '@tensorflow/tfjs';
import type { Optimizer, OptimizerSpec, ParamGroup } from '../../harness/plugin.js';
import { AdamW } from '../../harness/train/adamw.js';
import { SeedStream } from '../../harness/model/module.js';
import { initA, loraAdapter, type LoraAdapter } from '../shared/delta-layer.js';
import { applied } from '../shared/applied.js';
import { technique, z } from '../shared/config.js';
import { cloneNamed, loadNamed, type Named } from '../shared/state.js';

const schema = z
  .object({
    r: z.number().int().positive().default(8),
    alpha: z.number().positive().default(8),
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.{attn,ffn}.*'), // the paper applies ReLoRA to all attention and MLP layers
    // N = ⌈steps / cycles⌉: the paper restarts every 5K of its 20K steps, i.e. 4 LoRA cycles per run.
    cycles: z.number().int().positive().default(4),
    pruneRatio: z.number().min(0).max(1).default(0.99), // the paper zeroes 99% of the moments by magnitude at each reset
    // Re-warm-up after each reset as a share of a cycle: 100 of 5K steps in the paper (2%), at least one step.
    restartWarmup: z.number().min(0).max(1).default(0.02),
  })
  .strict();
type Config = z.infer<typeof schema>;

/** AdamW under the jagged schedule: after each restart the rate ramps linearly from ~0 back to the trainer's schedule. */
export class RestartingAdamW implements Optimizer {
  readonly inner: AdamW;
  private sinceRestart = Infinity;
  warmup = 1;

  constructor(spec: OptimizerSpec, groups: ParamGroup[]) {
    this.inner = new AdamW(spec, groups);
  }

  /** The jagged factor on the trainer's rate for the next step. */
  factor(): number {
    return Math.min(1, (this.sinceRestart + 1) / (this.warmup + 1));
  }

  step(grads: Map<tf.Variable, tf.Tensor>, lr: number): void {
    const f = this.factor();
    this.sinceRestart++;
    this.inner.step(grads, lr * f);
  }

  restart(vars: tf.Variable[], keep: number, warmup: number): void {
    this.inner.prune(vars, keep);
    this.sinceRestart = 0;
    this.warmup = warmup;
  }

  stateBytes = () => this.inner.stateBytes();
  reset = (vars?: tf.Variable[]) => this.inner.reset(vars);
  dispose = () => this.inner.dispose();
}

/** ReLoRA's restart: W ← W + s·A B for every pair, then A fresh from `seed` and B = 0; the outputs do not change. */
export function restart(adapter: LoraAdapter, r: number, seed: number): void {
  adapter.fold();
  const seeds = new SeedStream(seed);
  for (const { linear, vars } of adapter.layers) {
    tf.tidy(() => {
      vars.lora_A.assign(initA(linear.dIn, r, seeds.next()));
      vars.lora_B.assign(tf.zerosLike(vars.lora_B));
    });
  }
}

export const relora = technique<Config>({
  id: 'relora',
  name: 'ReLoRA',
  category: 'training_method',
  paper: { title: 'ReLoRA: High-Rank Training Through Low-Rank Updates', year: 2023, arxiv: '2307.05695' },
  schema,
  properties: { identityAtInit: true, changesBase: true }, // each restart folds the pair into W
  lrMultiplier: 10, // LoRA's rates: between restarts ReLoRA is LoRA
  apply(model, cfg, ctx) {
    const adapter = loraAdapter(model, model.find(cfg.targets), { r: cfg.r, scale: cfg.alpha / cfg.r, dropout: cfg.dropout, seed: ctx.seed });
    const lora = applied(model, adapter);
    let restarts = 0;
    const weights: Named = adapter.layers.map(({ linear }) => [`${linear.name}.weight`, linear.weight]);
    return {
      ...lora,
      optimizer: (spec, groups) => new RestartingAdamW(spec, groups),
      onStep({ step, totalSteps, optimizer }) {
        const every = Math.max(1, Math.ceil(totalSteps / cfg.cycles));
        if ((step + 1) % every !== 0 || step + 1 >= totalSteps) return;
        restarts++;
        restart(adapter, cfg.r, ctx.seed + 7919 * (restarts + 1));
        if (optimizer instanceof RestartingAdamW) optimizer.restart(adapter.vars(), 1 - cfg.pruneRatio, Math.max(1, Math.round(cfg.restartWarmup * every)));
        else optimizer.reset(adapter.vars());
      },
      // The merged weights are part of the fine-tuned model now.
      adapterState: () => ({ ...lora.adapterState(), ...cloneNamed(weights) }),
      loadAdapterState: (s) => {
        adapter.load(s);
        loadNamed(weights, s);
      },
      metrics: () => ({ restarts }),
    };
  },
});
