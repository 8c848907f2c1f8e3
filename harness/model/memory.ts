// A plan-time estimate of one trial's training memory (weights, optimizer state, activations), to refuse sizes that cannot
// fit: from the model's config alone (a 7B checkpoint is judged from its config.json before any weight is read), for
// fp32 or NF4-packed bases, LoRA-style or full training, with or without gradient checkpointing.
import os from 'node:os';
import type { ModelConfig } from './config.js';
import { isCausal } from './config.js';

const F32 = 4;
/** NF4 with block 64 and double-quantized scales: 4 + 0.127 bits per weight (QLoRA §3). */
const NF4_BYTES = 4.127 / 8;
// The wasm backend keeps every tensor in one wasm32 memory: at most 4 GiB, of which the allocator can use a little less.
const WASM_HEAP_BYTES = 4 * 1024 ** 3;

export interface MemoryEstimate {
  /** Base weights (float32, or NF4-packed where the technique packs them) plus the technique's added parameters. */
  weights: number;
  /** The part of `weights` held packed, in plain memory outside the tensor backend (not in a wasm heap). */
  packed: number;
  /** Gradients and AdamW's two moments of the trainable parameters. */
  optimizer: number;
  /** What the forward pass keeps for the backward pass at this batch size and length, plus the largest transient. */
  activations: number;
  total: number;
  /** Trainable parameters the estimate assumed (for the refusal sentence). */
  trainable: number;
}

export interface TrialShape {
  batchSize: number;
  /**
   * Tokens in the longest batch row: the longest tokenised training example (batches pad to their longest row), or the
   * budget's max_len (capped at the model's) when the data's lengths are not known.
   */
  seqLen: number;
  /** The technique's config; `r` (rank) is read when present, the LoRA family's knob. */
  config: Record<string, unknown>;
  /** Whether the technique trains every base weight (full fine-tuning). */
  trainsAll: boolean;
  /** The block linears and LM head are held NF4-packed from load on (QLoRA's Technique.packAtLoad). */
  packed?: boolean;
  /** The budget's gradient_checkpointing: only each block's input is kept, one block's activations at a time. */
  checkpointing?: boolean;
}

/** [d_in, d_out] of one block's linears: q, k, v, o (k and v narrower under grouped-query attention), then the FFN. */
function blockLinears(c: ModelConfig): [number, number][] {
  const d = c.dModel;
  const kv = (d / c.nHeads) * (c.nKvHeads ?? c.nHeads);
  const ffn: [number, number][] = c.family === 'decoder' ? [[d, c.dFF], [d, c.dFF], [c.dFF, d]] : [[d, c.dFF], [c.dFF, d]];
  return [[d, d], [d, kv], [d, kv], [d, d], ...ffn];
}

/**
 * Parameters of the transformer: token embeddings (and learned positions: encoder, GPT-2), per-layer attention (q and
 * o d², k and v d·kvH·hd: 4 d² without grouped-query attention), FFN (gated for the LLaMA-like decoder), norms, and
 * the LM head where it has weights of its own (the decoder's untied one; the encoder's MLM transform).
 */
export function baseParams(c: ModelConfig): number {
  const d = c.dModel;
  const ffn = (c.family === 'decoder' ? 3 : 2) * d * c.dFF;
  const kv = (c.nKvHeads ?? c.nHeads) / c.nHeads;
  const positions = c.family === 'decoder' ? 0 : c.maxLen * d;
  const head = c.family === 'decoder' ? c.vocabSize * d : c.family === 'encoder' ? d * d + c.vocabSize : 0;
  return c.vocabSize * d + positions + c.nLayers * (2 * (1 + kv) * d * d + ffn + 4 * d) + head;
}

/** Weights QLoRA packs: every block linear and the LM head (a decoder's untied one). */
function packableParams(c: ModelConfig): number {
  const lmHead = c.family === 'decoder' ? c.dModel * c.vocabSize : 0;
  return c.nLayers * blockLinears(c).reduce((n, [i, o]) => n + i * o, 0) + lmHead;
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
 * (2 × heads × T² per example); then the head's logits (the vocabulary for causal LMs) and the embeddings. With
 * checkpointing only each block's input [B,T,d] is kept, and one block's activations exist at a time (its recompute).
 * A packed base adds its largest transient: one dequantized weight and its gradient-time twin.
 */
export function activationBytes(c: ModelConfig, s: TrialShape): number {
  const B = s.batchSize, T = s.seqLen;
  const perLayer = B * T * (12 * c.dModel + 3 * c.dFF) + 2 * B * c.nHeads * T * T;
  const blocks = s.checkpointing ? c.nLayers * B * T * c.dModel + perLayer : c.nLayers * perLayer;
  const head = isCausal(c.family) ? 2 * B * T * c.vocabSize : 0;
  const transient = s.packed ? 2 * Math.max(...blockLinears(c).map(([i, o]) => i * o), c.family === 'decoder' ? c.dModel * c.vocabSize : 0) : 0;
  return F32 * (blocks + head + 2 * B * T * c.dModel + transient);
}

export function estimateTrialMemory(c: ModelConfig, s: TrialShape): MemoryEstimate {
  const trainable = trainableParams(c, s);
  const packedParams = s.packed && !s.trainsAll ? packableParams(c) : 0;
  const packed = NF4_BYTES * packedParams;
  const weights = F32 * (baseParams(c) - packedParams + (s.trainsAll ? 0 : trainable)) + packed;
  const optimizer = F32 * 3 * trainable;
  const activations = activationBytes(c, s);
  return { weights, packed, optimizer, activations, total: weights + optimizer + activations, trainable };
}

/** The memory a backend can give tensors: the wasm heap's 4 GiB, else the machine's RAM. */
export function memoryLimit(backend: string): number {
  return backend === 'wasm' ? WASM_HEAP_BYTES : os.totalmem();
}

/** Whether the estimate fits: on wasm packed weights live outside the heap, so only the rest must fit its 4 GiB. */
export function fits(e: MemoryEstimate, limit: number, backend: string): boolean {
  return (backend === 'wasm' ? e.total - e.packed : e.total) <= limit;
}

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(n < 10 * 1024 ** 3 ? 1 : 0)} GiB`;

/** Null when the estimate fits the limit, else one sentence naming the trial, the estimate and what would fit. */
export function refusal(what: string, c: ModelConfig, s: TrialShape, limit: number, backend: string): string | null {
  const e = estimateTrialMemory(c, s);
  if (fits(e, limit, backend)) return null;
  const parts = `weights ${gib(e.weights)}${e.packed ? ` (${gib(e.packed)} of it NF4-packed)` : ''}, optimizer ${gib(e.optimizer)}, activations ${gib(e.activations)}`;
  // The largest batch whose activations fit what weights and optimizer leave.
  const room = limit - e.weights - e.optimizer;
  const perExample = e.activations / s.batchSize;
  const batchFits = room > 0 ? Math.floor(room / perExample) : 0;
  // Training every weight: name the parameter-efficient setups that would fit, each with its own estimate.
  const lighter = ([
    ['lora (r 8) with gradient_checkpointing', { ...s, config: { r: 8 }, trainsAll: false, packed: false, checkpointing: true }],
    ['qlora (r 8) with gradient_checkpointing', { ...s, config: { r: 8 }, trainsAll: false, packed: true, checkpointing: true }],
  ] as const)
    .map(([name, o]) => [name, estimateTrialMemory(c, o)] as const)
    .filter(([, o]) => fits(o, limit, backend))
    .map(([name, o]) => `${name} (about ${gib(o.total)})`);
  const fixes = [
    batchFits >= 1 && batchFits < s.batchSize ? `batch_size ${batchFits} or less` : null,
    e.optimizer > limit / 4 ? (s.trainsAll ? lighter.join(', or ') || null : 'a smaller rank r') : null,
    e.activations > limit / 4 ? `a max_len under ${s.seqLen}${s.checkpointing ? '' : ' or gradient checkpointing'}` : null,
  ].filter(Boolean);
  return `${what} needs about ${gib(e.total)} (${parts}) but the ${backend} backend has ${gib(limit)}: use ${fixes.join(', or ') || 'a smaller model'}.`;
}
