// The model: named parameters, linear layers found by pattern, hook points; its family (families.ts) builds the forward pass.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { Hooks, Linear, SeedStream, globToRegExp, type FrozenWeight } from './module.js';
import type { Backbone, Embedded, Init, ModelParts } from './backbone.js';
import { families } from './families.js';
import { modelPoints } from './hook-points.js';
import { cloneNamed, loadNamed, type LoadOptions } from './named-state.js';
import { takingGradients, type BlockCheckpointer } from './checkpoint.js';

export type { Backbone, Embedded, Init } from './backbone.js';

/** How a model's parameters are first filled: from a checkpoint read tensor by tensor, some linears packed on the way in. */
export interface ModelInit {
  /** The initial value of a parameter (a new tensor the model takes over), or undefined for the usual random init. */
  source?: (name: string) => tf.Tensor | undefined;
  /**
   * Linears (glob over names) held packed from load on: each weight is read, packed and dropped, so the fp32 weights of
   * a quantized base never all exist at once (QLoRA on a 7B base holds ~3.5 GB of NF4 instead of 27 GB of fp32).
   */
  packed?: { pattern: string; pack(values: Float32Array, dIn: number, dOut: number): FrozenWeight };
}

export class Model implements ModelParts {
  readonly params = new Map<string, tf.Variable>();
  readonly linears = new Map<string, Linear>();
  readonly hooks = new Hooks();
  /** Techniques read this (dropout, NEFTune noise, S²-Attn are training-only). */
  training = false;
  /** Activation checkpointing of every block while gradients are taken (the budget's gradient_checkpointing); the trainer sets it. */
  checkpointing: BlockCheckpointer | null = null;
  private readonly seeds: SeedStream;
  private readonly backbone: Backbone;
  /** Task heads by name; the unnamed one is 'default' (params `head.*`), a named one lives under `head.<name>.*`. */
  private readonly heads = new Map<string, (h: tf.Tensor3D, mask: tf.Tensor2D) => tf.Tensor2D>();
  private activeHead = 'default';
  readonly config: ModelConfig;
  /** Only while the backbone is built: parameters added later (task heads, adapters) are initialised as usual. */
  private init: ModelInit;
  private packedParams = 0;

  constructor(config: ModelConfig, seed = 0, init: ModelInit = {}) {
    this.config = { ...config }; // own copy: setRopeScale edits it
    this.seeds = new SeedStream(seed + 1);
    this.init = init;
    this.backbone = families[config.family](this);
    this.init = {};
    this.hooks.declare(...modelPoints(this.layerIndices()));
  }

  get family() {
    return this.config.family;
  }

  layerIndices(): number[] {
    return Array.from({ length: this.config.nLayers }, (_, i) => i);
  }

  param(name: string, shape: number[], init: Init, std = this.config.initStd ?? 0.02): tf.Variable {
    if (this.params.has(name)) throw new Error(`Parameter "${name}" is defined twice.`);
    const seed = init === 'normal' ? this.seeds.next() : 0; // drawn even when loaded, so later parameters keep their seeds
    const value = this.initial(name, shape) ??
      (init === 'zeros' ? tf.zeros(shape) : init === 'ones' ? tf.ones(shape) : tf.randomNormal(shape, 0, std, 'float32', seed));
    const v = tf.variable(value, true);
    value.dispose();
    this.params.set(name, v);
    return v;
  }

  private initial(name: string, shape: number[]): tf.Tensor | undefined {
    const t = this.init.source?.(name);
    if (t && t.shape.join() !== shape.join()) {
      t.dispose();
      throw new Error(`The checkpoint's tensor "${name}" has shape [${t.shape}] but [${shape}] is expected.`);
    }
    return t;
  }

  linear(name: string, dIn: number, dOut: number, bias: boolean): Linear {
    const packed = this.init.packed;
    if (packed && globToRegExp(packed.pattern).test(name)) {
      this.seeds.next(); // the seed the fp32 weight would have drawn, so later parameters keep theirs
      const t = this.initial(`${name}.weight`, [dIn, dOut]);
      if (!t) throw new Error(`Linear ${name} is to be loaded packed but the checkpoint has no "${name}.weight".`);
      const values = t.dataSync() as Float32Array;
      t.dispose();
      const frozen = packed.pack(values, dIn, dOut);
      this.packedParams += dIn * dOut;
      const l = new Linear(name, frozen, bias ? this.param(`${name}.bias`, [dOut], 'zeros') : null, this.hooks);
      this.hooks.declare(name);
      this.linears.set(name, l);
      return l;
    }
    const w = this.param(`${name}.weight`, [dIn, dOut], 'normal');
    const b = bias ? this.param(`${name}.bias`, [dOut], 'zeros') : null;
    const l = new Linear(name, w, b, this.hooks);
    this.hooks.declare(name);
    this.linears.set(name, l);
    return l;
  }

  /** Linear layers whose dotted name matches a glob such as `layers.*.attn.{q,v}`. */
  find(pattern: string): Linear[] {
    const re = globToRegExp(pattern);
    return [...this.linears.values()].filter((l) => re.test(l.name));
  }

  /** Parameters whose dotted name matches a glob (all when omitted). */
  named(pattern = '**'): [string, tf.Variable][] {
    const re = globToRegExp(pattern);
    return [...this.params.entries()].filter(([n]) => re.test(n));
  }

  /** Every parameter, those of linears loaded packed included. */
  numParams(): number {
    let n = this.packedParams;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  /** Block i of the backbone, f(x, ctx) with ctx the tensors it reads besides x (mask, RoPE tables); checkpointed when enabled. */
  runBlock(i: number, f: (x: tf.Tensor, ctx: tf.Tensor[]) => tf.Tensor, x: tf.Tensor, ctx: tf.Tensor[]): tf.Tensor {
    // Without a tape nothing needs a block's intermediates once it returns: free them per block, not at the caller's
    // tidy, or an evaluation pass holds every layer's activations at once (~9 GB for a 1B model at 16 × 65 tokens).
    if (!takingGradients()) return tf.tidy(() => f(x, ctx));
    return this.checkpointing ? this.checkpointing.run(i, f, x, ctx) : f(x, ctx);
  }

  hidden(ids: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor3D {
    return this.backbone.hidden(ids, mask);
  }

  lmLogits(h: tf.Tensor2D): tf.Tensor2D {
    return this.backbone.lmLogits(h);
  }

  /**
   * Adds a task head: nOut classes, or 1 for regression. Unnamed, it is the model's one head (`head.*`); a named head
   * (`head.<name>.*`) is one of several, for continual learning over tasks, selected with useHead().
   */
  addHead(nOut: number, name = 'default'): void {
    if (this.heads.has(name)) throw new Error(name === 'default' ? 'The model already has a task head.' : `The model already has a task head "${name}".`);
    this.heads.set(name, this.backbone.head(nOut, name === 'default' ? 'head' : `head.${name}`));
  }

  /** Makes a head added with addHead(n, name) the one classify() uses ('default' is the unnamed head). */
  useHead(name: string): void {
    if (!this.heads.has(name)) throw new Error(`The model has no task head "${name}"; heads: ${[...this.heads.keys()].join(', ') || 'none'}.`);
    this.activeHead = name;
  }

  get headName(): string {
    return this.activeHead;
  }

  get hasHead(): boolean {
    return this.heads.has(this.activeHead);
  }

  /** ids [B,T], mask [B,T] → head outputs [B,nOut]. */
  classify(ids: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
    const head = this.heads.get(this.activeHead);
    if (!head) throw new Error('The model has no task head; call addHead() first.');
    return head(this.hidden(ids, mask), mask);
  }

  /** RoPE position interpolation (decoder): positions are divided by `scale`, so a context `scale`× longer maps onto the pretrained range. */
  setRopeScale(scale: number): void {
    if (!(scale > 0)) throw new Error(`RoPE scale must be positive, got ${scale}.`);
    this.config.ropeScale = scale;
  }

  /** A copy of every parameter, by name (what a checkpoint holds). */
  state(pattern = '**'): Record<string, tf.Tensor> {
    return cloneNamed(this.named(pattern));
  }

  /** Assigns parameters by name; names the first missing or mis-shaped tensor. `strict` requires every parameter. */
  load(state: Record<string, tf.Tensor>, { strict = false, source = 'checkpoint' }: LoadOptions = {}): void {
    loadNamed([...this.params], state, { strict, source });
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    this.linears.clear();
    this.hooks.clear();
  }
}
