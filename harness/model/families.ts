// The model families by name: each builds its parameters and hook points on a Model and returns its forward pass.
import type { Family } from './config.js';
import type { Backbone, ModelParts } from './backbone.js';
import { encoderBackbone } from './encoder.js';
import { decoderBackbone } from './decoder.js';
import { gpt2Backbone } from './gpt2.js';

export const families: Record<Family, (m: ModelParts) => Backbone> = {
  encoder: encoderBackbone, // RoBERTa-like
  decoder: decoderBackbone, // LLaMA-like
  gpt2: gpt2Backbone, // GPT-2 block layout, for imported checkpoints
};
