// A planned trial's budget as the trainer and optimizer take it: built once here, for the trial and its services alike.
import type { OptimizerSpec } from '../plugin.js';
import type { Budget } from '../train/trainer.js';
import type { PlannedTrial } from './plan.js';

export function trainBudgetOf(t: PlannedTrial, maxLen: number): Budget {
  const b = t.budget;
  return {
    steps: b.steps, batchSize: b.batch_size, lr: t.lr, evalEvery: b.eval_every, maxLen,
    warmupRatio: b.warmup_ratio, weightDecay: b.weight_decay, clipNorm: b.clip_norm, schedule: b.schedule,
    gradientCheckpointing: b.gradient_checkpointing,
  };
}

/** AdamW with PyTorch's and the papers' usual β and ε; the rate is the trial's (the technique's multiplier applied). */
export function optimizerSpecOf(t: PlannedTrial): OptimizerSpec {
  return { lr: t.lr, weightDecay: t.budget.weight_decay, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
}
