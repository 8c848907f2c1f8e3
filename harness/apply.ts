// Applying a technique: the plugin's apply() plus the task head, which the harness owns (PEFT's modules_to_save).
import type * as tf from '@tensorflow/tfjs';
import type { Model } from './model/model.js';
import { loadNamed } from './model/named-state.js';
import type { AnyTechnique, Applied, ApplyContext } from './plugin.js';

/**
 * `applied` with the task head (`head.**`, new for every task) added: it trains as the last param group, is saved with
 * the adapter state and counts in the trainable parameters. Nothing is added when the model has no head (LM tasks).
 */
export function withTaskHead(model: Model, applied: Applied): Applied {
  const head = (): tf.Variable[] => model.named('head.**').map(([, v]) => v);
  return {
    ...applied,
    paramGroups: () => [...applied.paramGroups(), { vars: head() }],
    adapterState: () => ({ ...applied.adapterState(), ...model.state('head.**') }),
    loadAdapterState(state) {
      applied.loadAdapterState(state);
      loadNamed(model.named('head.**'), state, { source: 'adapter state' });
    },
    footprint() {
      const fp = applied.footprint();
      return { ...fp, trainableParams: fp.trainableParams + head().reduce((n, v) => n + v.size, 0) };
    },
  };
}

/** technique.apply(model, config, ctx) with the task head trained beside it, unless the technique trains the head itself. */
export function applyTechnique<C extends object>(technique: AnyTechnique, model: Model, config: C, ctx: ApplyContext): Applied {
  const applied = technique.apply(model, config, ctx);
  return technique.trainsHead ? applied : withTaskHead(model, applied);
}
