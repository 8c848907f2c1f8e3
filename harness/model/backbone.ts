// What a model family provides (a Backbone) and what it builds itself from (ModelParts): the families see only this page.
import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import type { Hooks, Linear } from './module.js';

export type { Embedded } from './hook-points.js';

export type Init = 'normal' | 'zeros' | 'ones';

/** The model as a family's builder sees it: parameters, linear layers and hook points, created by name. */
export interface ModelParts {
  readonly config: ModelConfig;
  readonly hooks: Hooks;
  param(name: string, shape: number[], init: Init, std?: number): tf.Variable;
  linear(name: string, dIn: number, dOut: number, bias: boolean): Linear;
  layerIndices(): number[];
  /** Block i as f(x, ctx), ctx the tensors it reads besides x (mask, RoPE tables): the model may checkpoint it. */
  runBlock(i: number, f: (x: tf.Tensor, ctx: tf.Tensor[]) => tf.Tensor, x: tf.Tensor, ctx: tf.Tensor[]): tf.Tensor;
}

export interface Backbone {
  /** ids [B,T] int32, mask [B,T] → final hidden states [B,T,d] (prepended positions removed). */
  hidden(ids: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor3D;
  /** Hidden states [N,d] → vocabulary logits [N,V]. */
  lmLogits(h: tf.Tensor2D): tf.Tensor2D;
  /** Builds the task head's parameters under `prefix` (default `head`); returns hidden [B,T,d] + mask → outputs [B,nOut]. */
  head(nOut: number, prefix?: string): (h: tf.Tensor3D, mask: tf.Tensor2D) => tf.Tensor2D;
}
