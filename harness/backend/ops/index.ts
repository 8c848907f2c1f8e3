// Fused ops the model can call instead of composing plain tfjs ops; each falls back to plain ops on any backend.
export { layerNorm } from './layer_norm.js';
export { rmsNorm } from './rms_norm.js';
export { gelu } from './gelu.js';
export { swiglu } from './swiglu.js';
export { linear } from './linear.js';
export { loraDelta } from './lora.js';
export { softmax } from './softmax.js';
export { softmaxNll } from './softmax_nll.js';
export { adamwUpdate, adamwUpdateGroup, adamwGroupSize, type AdamWAttrs, type AdamWItem } from './adamw.js';
export { attention, plainAttention, useFusedAttention } from './attention.js';
