// Fused ops the model can call instead of composing plain tfjs ops; each falls back to plain ops on any backend.
export { layerNorm } from './layer_norm.js';
export { gelu } from './gelu.js';
export { linear } from './linear.js';
export { softmax } from './softmax.js';
export { adamwUpdate, type AdamWAttrs } from './adamw.js';
export { attention, plainAttention, useFusedAttention } from './attention.js';
