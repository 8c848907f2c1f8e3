// The technique plugin contract: a technique is data (defaults, paper) plus one apply() that returns a small object the trainer drives.
import type * as tf from '@tensorflow/tfjs';
import type { ZodType } from 'zod';
import type { Model } from './model/model.js';
import type { FrozenWeight } from './model/module.js';
import type { Batch } from './train/batch.js';

export const CATEGORIES = [
  'training_method',
  'adapter',
  'quantization',
  'parameter_selection',
  'mixture_of_experts',
  'application',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Paper {
  title: string;
  year: number;
  arxiv?: string;
}

/** What the conformance suite may expect of a technique. */
export interface Properties {
  /** The adapted model's output equals the base model's right after apply() (LoRA: B = 0; IA3: ones). */
  identityAtInit: boolean;
  /** Training changes base weights by design (full fine-tuning, ReLoRA merges): no "disable restores base" check. */
  changesBase: boolean;
}

export interface Footprint {
  totalParams: number;      // parameters of the adapted model, base included
  trainableParams: number;  // entries the optimizer may update
  extraParams: number;      // parameters the technique added on top of the base
  baseBytes: number;        // real bytes of the base weights (packed when quantized)
  optimizerStateBytes: number;
}

export interface OptimizerSpec {
  lr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** A group of variables trained with its own learning-rate scale (LoRA+: B at λ·lr). */
export interface ParamGroup {
  vars: tf.Variable[];
  lrScale?: number;
  weightDecay?: number;
}

/** The optimizer interface the trainer drives; a technique may supply its own (GaLore). */
export interface Optimizer {
  /** Applies one update. `lr` is the scheduled learning rate of this step. */
  step(grads: Map<tf.Variable, tf.Tensor>, lr: number): void;
  /** Bytes held in optimizer state (moments, projectors). */
  stateBytes(): number;
  /** Drops state for these variables (ReLoRA's reset); all when omitted. */
  reset(vars?: tf.Variable[]): void;
  dispose(): void;
}

export interface StepContext {
  step: number;
  totalSteps: number;
  optimizer: Optimizer;
}

export interface ApplyContext {
  seed: number;
  totalSteps: number;
  /** Training batches, for techniques that look at data before training (FishMask's Fisher information). */
  sampleBatches(n: number): Batch[];
  /** The trainer's loss for a batch; techniques that score parameters by gradient use it. */
  loss(batch: Batch): tf.Scalar;
  /** Access to other tasks (LoRAHub's upstream modules, O-LoRA's task sequence); absent where a test drives the trainer alone. */
  services?: TrialServices;
}

/**
 * What the harness offers techniques that learn from tasks other than the trial's: every call trains or scores with
 * the trial's base, budget and seed, through the same trainer and evaluator as the trial itself.
 */
export interface TrialServices {
  /** The trial's own dataset id. */
  readonly target: string;
  /** Size of the task head a dataset needs (classes, 1 for regression). */
  nOutputs(datasetId: string): Promise<number>;
  /**
   * Trains an adapter on a dataset from a fresh copy of the base (with a head for that dataset, trained and saved
   * beside it as in a trial) and returns its adapterState() (the caller disposes it). With `cache`, the state is kept on disk under cacheDir(cache.dir), keyed
   * by the base, the dataset, `cache.key` and `steps`.
   */
  trainAdapter(datasetId: string, opts: { apply: (model: Model, ctx: ApplyContext) => Applied; steps: number; cache?: { dir: string; key: unknown } }): Promise<Record<string, tf.Tensor>>;
  /** Trains `applied` on `model` (its current head) for `steps` steps of a dataset's training split. */
  train(datasetId: string, model: Model, applied: Applied, steps: number): Promise<void>;
  /** The dataset's primary metric on its test split for `model` with its current head (every metric here: higher is better). */
  score(datasetId: string, model: Model): Promise<number>;
}

export interface Applied {
  /**
   * Asynchronous work before training (LoRAHub trains its upstream modules, O-LoRA the earlier tasks of its sequence).
   * The trainer awaits it at the start of every train() call, before it reads paramGroups(); it must be idempotent.
   */
  prepare?(): Promise<void>;
  /** The variables the optimizer updates, in groups when learning rates differ. */
  paramGroups(): ParamGroup[];
  /** Replaces the trainer's AdamW (GaLore). */
  optimizer?(spec: OptimizerSpec, groups: ParamGroup[]): Optimizer;
  /** Masks or rewrites gradients before the update (FishMask, Child-Tuning). Must not dispose its inputs. */
  transformGrads?(grads: Map<tf.Variable, tf.Tensor>): Map<tf.Variable, tf.Tensor>;
  /** Called after each optimizer step (ReLoRA merges, AdaLoRA pruning, LISA layer switching). */
  onStep?(ctx: StepContext): void;
  /** Added to the task loss while training (MoE load balancing, AdaLoRA orthogonality). */
  auxLoss?(): tf.Scalar | null;
  /** Folds the technique into the base weights; outputs stay the same. */
  merge?(): void;
  /** The state that defines the fine-tuned model on top of the base: what gets saved. */
  adapterState(): Record<string, tf.Tensor>;
  loadAdapterState(state: Record<string, tf.Tensor>): void;
  footprint(): Footprint;
  /** Extra measurements to store with the trial (expert utilisation, sparsity, rank). */
  metrics?(): Record<string, number>;
  /** Asynchronous measurements after training, stored like metrics() (O-LoRA re-scores the earlier tasks: forgetting). */
  evaluate?(): Promise<Record<string, number>>;
  dispose(): void;
}

export interface Technique<C extends object = Record<string, unknown>> {
  id: string;
  name: string;
  category: Category;
  paper: Paper;
  /** Every hyper-parameter with its default and bounds, reasons in comments at the definition (a zod schema). */
  schema?: ZodType<C>;
  /** Every hyper-parameter with its default: schema.parse({}) for a plugin made with technique(). */
  defaults: C;
  properties: Properties;
  /**
   * Learning rate relative to the suite's (which is tuned for full fine-tuning), following the paper's setups:
   * parameter-efficient methods train few parameters from zero and use larger rates. A suite entry's `lr` overrides.
   */
  lrMultiplier?: number;
  /**
   * The technique puts the task head (`head.**`) in its own paramGroups() and adapterState() (full fine-tuning trains
   * every weight, O-LoRA a head per task). Otherwise the harness adds the head (harness/apply.ts): a plugin never does.
   */
  trainsHead?: boolean;
  /** Returns a full config or throws one sentence naming the bad field. */
  validate(config: unknown): C;
  /**
   * Linears the technique holds packed and frozen (QLoRA's NF4 base): the trial loads them packed, tensor by tensor, so
   * their fp32 weights never exist; apply() then finds them on Linear.frozen. Absent: the base loads in fp32.
   */
  packAtLoad?(config: C): { pattern: string; pack(values: Float32Array, dIn: number, dOut: number): FrozenWeight } | null;
  /**
   * Datasets the technique also trains on through TrialServices (O-LoRA's sequence, LoRAHub's upstream tasks). The
   * plan-time memory estimate does not tokenise them, so it sizes such a trial's activations by max_len.
   */
  otherTasks?(config: C): string[];
  /** null when the technique applies to this model; otherwise the reason to skip the pair. */
  unsupported?(model: Model): string | null;
  apply(model: Model, config: C, ctx: ApplyContext): Applied;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTechnique = Technique<any>;
