// The hook points a model offers and what flows through each: techniques attach here, never inside the model's code.
import type * as tf from '@tensorflow/tfjs';

/** Embedded input as it enters the first block. `prefix` counts positions techniques prepended (soft prompts). */
export interface Embedded {
  h: tf.Tensor; // [B, S, d]
  mask: tf.Tensor; // [B, S], 1 = token
  prefix: number;
}

/** What `embed` receives: token ids and their padding mask. */
export interface EmbedInput {
  ids: tf.Tensor2D; // [B, T] int32
  mask: tf.Tensor2D; // [B, T], 1 = token
}

/** What `layers.N.attn.qkv` hands a wrapper: heads before attention, and the additive score bias. */
export interface Qkv {
  q: tf.Tensor; // [B,H,T,hd]
  k: tf.Tensor; // [B,H,S,hd]
  v: tf.Tensor; // [B,H,S,hd]
  bias: tf.Tensor; // broadcastable to [B,H,T,S]
}

/** The sub-block points of layer N (linear layers are points too, named after the layer: `layers.N.attn.q`). */
export const LAYER_POINTS = ['attn', 'attn.qkv', 'ffn', 'ffn.act'] as const;
export type LayerPoint = `layers.${number}.${(typeof LAYER_POINTS)[number]}`;
export type HookPoint = 'embed' | 'embed.tok' | LayerPoint;

/** Input and output types at a point: `embed` and `*.attn.qkv` carry structures, every other point one tensor. */
export type PointIO<P extends string> = P extends 'embed'
  ? [EmbedInput, Embedded]
  : P extends `${string}.attn.qkv`
    ? [Qkv, Qkv]
    : [tf.Tensor, tf.Tensor];

/** Every sub-block point of a model with these layer indices, plus the embedding points. */
export function modelPoints(layers: number[]): HookPoint[] {
  return ['embed', 'embed.tok', ...layers.flatMap((i) => LAYER_POINTS.map((s) => `layers.${i}.${s}` as LayerPoint))];
}
