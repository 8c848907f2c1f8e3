// One builder of the Applied object a plugin returns: it drives the modules a technique adds to the model.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../harness/model/model.js';
import type { Applied, ParamGroup } from '../../harness/plugin.js';
import { footprint } from './footprint.js';

/**
 * A part a technique adds to the model: an adapter (LoRA pairs, ΔW layers, experts), a quantized base, a routing
 * recorder. Every field but dispose() is optional; applied() combines the modules' answers.
 */
export interface AdapterModule {
  /** The variables this module trains, in groups when learning rates differ. */
  groups?(): ParamGroup[];
  /** Everything it adds to the model, trainable or frozen (PiSSA's A₀ B₀, VeRA's shared projections). */
  params?(): tf.Tensor[];
  /** Its tensors in the adapter state, named `<linear>.<key>`. */
  state?(): Record<string, tf.Tensor>;
  load?(state: Record<string, tf.Tensor>): void;
  /**
   * Folds the module into the base weights (outputs unchanged). `false`: the module forbids merging the whole (a
   * quantized base would re-quantize W + ΔW and change the outputs, QA-LoRA's point).
   */
  merge?: (() => void) | false;
  /** Real bytes of the base when the module stores it differently (packed 4-bit). */
  baseBytes?(): number;
  metrics?(): Record<string, number>;
  /** Its term of the training loss (a mixture's balancing loss), or null for none this pass. */
  auxLoss?(): tf.Scalar | null;
  dispose(): void;
}

/**
 * The Applied of `modules` on `model`: trains their groups, saves and loads their state, merges when every module
 * that has a say can merge, adds their auxiliary losses, counts their params. A plugin spreads it and adds what
 * differs (onStep, optimizer, …).
 */
export function applied(model: Model, ...modules: AdapterModule[]): Applied {
  const groups = () => modules.flatMap((m) => m.groups?.() ?? []);
  const mergeable = modules.some((m) => typeof m.merge === 'function') && !modules.some((m) => m.merge === false);
  const quantized = modules.find((m) => m.baseBytes);
  const aux = modules.filter((m) => m.auxLoss);
  return {
    paramGroups: groups,
    ...(mergeable ? { merge: () => modules.forEach((m) => (typeof m.merge === 'function' ? m.merge() : undefined)) } : {}),
    adapterState: () => Object.assign({}, ...modules.map((m) => m.state?.() ?? {})),
    loadAdapterState: (s) => modules.forEach((m) => m.load?.(s)),
    footprint: () =>
      footprint(
        model,
        groups(),
        modules.flatMap((m) => m.params?.() ?? []),
        quantized ? { baseBytes: quantized.baseBytes!() } : {},
      ),
    ...(aux.length ? { auxLoss: () => sumOrNull(aux.map((m) => m.auxLoss!())) } : {}),
    ...(modules.some((m) => m.metrics) ? { metrics: () => Object.assign({}, ...modules.map((m) => m.metrics?.() ?? {})) } : {}),
    dispose: () => modules.forEach((m) => m.dispose()),
  };
}

function sumOrNull(terms: (tf.Scalar | null)[]): tf.Scalar | null {
  const t = terms.filter((x): x is tf.Scalar => x !== null);
  return t.length === 0 ? null : t.length === 1 ? t[0] : (tf.addN(t) as tf.Scalar);
}

/** `m` training `groups` instead of its own (LoRA-FA: only B; LoRA+: B at λ·lr); everything else is m's. */
export function withGroups(m: AdapterModule, groups: () => ParamGroup[]): AdapterModule {
  return {
    groups,
    params: () => m.params?.() ?? [],
    state: () => m.state?.() ?? {},
    load: (s) => m.load?.(s),
    merge: typeof m.merge === 'function' ? () => (m.merge as () => void)() : m.merge,
    dispose: () => m.dispose(),
  };
}
