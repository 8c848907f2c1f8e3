// A plan-time estimate of one trial's training memory (weights, optimizer state, activations), to refuse sizes that cannot fit.
import os from 'node:os';
import type { ModelConfig } from './config.js';
import { isCausal } from './config.js';

const F32 = 4;
// The wasm backend keeps every tensor in one wasm32 memory: at most 4 GiB, of which the allocator can use a little less.
const WASM_HEAP_BYTES = 4 * 1024 ** 3;

export interface MemoryEstimate {
  /** Base weights (float32) plus the technique's added parameters. */
  weights: number;
  /** Gradients and AdamW's two moments of the trainable parameters. */
  optimizer: number;
  /** What the forward pass keeps for the backward pass at this batch size and length. */
  activations: number;
  total: number;
  /** Trainable parameters the estimate assumed (for the refusal sentence). */
  trainable: number;
}

export interface TrialShape {
  batchSize: number;
  /** Tokens per example (the budget's max_len, capped at the model's). */
  seqLen: number;
  /** The technique's config; `r` (rank) is read when present, the LoRA family's knob. */
  config: Record<string, unknown>;
  /** Whether the technique trains every base weight (full fine-tuning). */
  trainsAll: boolean;
}

/**
 * Parameters of the transformer: embeddings, per-layer attention (q and o d², k and v d·kvH·hd: 4 d² without
 * grouped-query attention) and FFN (gated for decoders), norms.
 */
export function baseParams(c: ModelConfig): number {
  const ffn = (isCausal(c.family) ? 3 : 2) * c.dModel * c.dFF;
  const kv = (c.nKvHeads ?? c.nHeads) / c.nHeads;
  return c.vocabSize * c.dModel + c.maxLen * c.dModel + c.nLayers * (2 * (1 + kv) * c.dModel * c.dModel + ffn + 4 * c.dModel);
}

/** Bases above half a billion parameters: evaluation uses fewer held-out windows and the untouched base is not held for forgetting. */
export function isBig(c: ModelConfig): boolean {
  return baseParams(c) > 5e8;
}

/** Held-out windows for lm_loss: 64, or 16 on a big base (each window costs a forward of every weight). */
export function heldOutWindows(c: ModelConfig): number {
  return isBig(c) ? 16 : 64;
}

/**
 * Trainable parameters: all of them for full fine-tuning; for a technique with a rank `r`, r × (d_in + d_out) per
 * adapted matrix, counting the four attention projections and the FFN matrices of every layer (an upper bound on
 * what the usual targets adapt); otherwise a hundredth of the base (adapters, prompts, masks are far smaller).
 * Issue 16 refines this per technique (quantized bases, gradient checkpointing).
 */
export function trainableParams(c: ModelConfig, s: TrialShape): number {
  if (s.trainsAll) return baseParams(c);
  const r = typeof s.config.r === 'number' && Number.isFinite(s.config.r) ? s.config.r : 0;
  if (r > 0) return c.nLayers * r * (4 * 2 * c.dModel + 3 * (c.dModel + c.dFF));
  return Math.ceil(baseParams(c) / 100);
}

/**
 * Activations kept for backward, per layer: about 12 vectors of width d and 3 of width d_ff per token (inputs of each
 * matmul and norm, residuals, the FFN's intermediate and its activation), plus the attention scores and probabilities
 * (2 × heads × T² per example); then the head's logits (the vocabulary for causal LMs) and the embeddings.
 */
export function activationBytes(c: ModelConfig, s: TrialShape): number {
  const B = s.batchSize, T = s.seqLen;
  const perLayer = B * T * (12 * c.dModel + 3 * c.dFF) + 2 * B * c.nHeads * T * T;
  const head = isCausal(c.family) ? 2 * B * T * c.vocabSize : 0;
  return F32 * (c.nLayers * perLayer + head + 2 * B * T * c.dModel);
}

export function estimateTrialMemory(c: ModelConfig, s: TrialShape): MemoryEstimate {
  const trainable = trainableParams(c, s);
  const weights = F32 * (baseParams(c) + (s.trainsAll ? 0 : trainable));
  const optimizer = F32 * 3 * trainable;
  const activations = activationBytes(c, s);
  return { weights, optimizer, activations, total: weights + optimizer + activations, trainable };
}

/** The memory a backend can give tensors: the wasm heap's 4 GiB, else the machine's RAM. */
export function memoryLimit(backend: string): number {
  return backend === 'wasm' ? WASM_HEAP_BYTES : os.totalmem();
}

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(n < 10 * 1024 ** 3 ? 1 : 0)} GiB`;

/** Null when the estimate fits the limit, else one sentence naming the trial, the estimate and what would fit. */
export function refusal(what: string, e: MemoryEstimate, s: TrialShape, limit: number, backend: string): string | null {
  if (e.total <= limit) return null;
  const parts = `weights ${gib(e.weights)}, optimizer ${gib(e.optimizer)}, activations ${gib(e.activations)}`;
  // The largest batch whose activations fit what weights and optimizer leave.
  const room = limit - e.weights - e.optimizer;
  const perExample = e.activations / s.batchSize;
  const batchFits = room > 0 ? Math.floor(room / perExample) : 0;
  const fixes = [
    batchFits >= 1 && batchFits < s.batchSize ? `batch_size ${batchFits} or less` : null,
    e.optimizer > limit / 4 ? (s.trainsAll ? 'LoRA or QLoRA instead of training every weight' : 'a smaller rank r') : null,
    e.activations > limit / 4 ? 'a shorter max_len or gradient checkpointing' : null,
  ].filter(Boolean);
  return `${what} needs about ${gib(e.total)} (${parts}) but the ${backend} backend has ${gib(limit)}: use ${fixes.join(', or ') || 'a smaller model'}.`;
}
