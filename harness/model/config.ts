// Model configurations: the families and their named sizes.

/** 'gpt2' is the GPT-2 block layout (pre-LN, learned positions, tied head), only for imported GPT-2 checkpoints. */
export type Family = 'encoder' | 'decoder' | 'gpt2';

/** Decoder-style families (LLaMA-like and GPT-2) read left to right: they can score continuations and generate. */
export function isCausal(family: Family): boolean {
  return family !== 'encoder';
}

export interface ModelConfig {
  family: Family;
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  dFF: number;
  /** Longest sequence the model is built for (encoder: size of the learned position table). */
  maxLen: number;
  normEps: number;
  /** RoPE base (decoder). */
  ropeTheta: number;
  /** RoPE position interpolation factor: positions are divided by it (LongLoRA evaluates at 2x context with 2). */
  ropeScale: number;
  /** Key/value heads of grouped-query attention (decoder): each serves nHeads / nKvHeads query heads. Default nHeads. */
  nKvHeads?: number;
  /** Biases on the q, k and v projections (decoder; Qwen2 has them, LLaMA does not). */
  qkvBias?: boolean;
  /** Std of the normal init of weight matrices (0.02 as BERT/GPT-2); test fixtures use larger to learn in a few steps. */
  initStd?: number;
  /** Encoder FFN/MLM-head activation: GELU's tanh approximation (default) or exact erf GELU (BERT/RoBERTa's "gelu"). */
  act?: 'gelu-tanh' | 'gelu-erf';
}

export interface ModelPreset {
  id: string;
  description: string;
  config: Omit<ModelConfig, 'vocabSize'> & { vocabSize?: number };
  /** Tokenizer vocabulary the built-in base is pretrained with. */
  tokenizerVocab: number;
  pretrain: PretrainBudget;
}

export interface PretrainBudget {
  steps: number;
  batchSize: number;
  seqLen: number;
  lr: number;
}

const shared = { normEps: 1e-5, ropeTheta: 10000, ropeScale: 1 };

// Sizes: *-tiny (~0.2M params) keeps CI fast; *-small (~10M) is what mini-glue fine-tunes. Pretraining a *-small
// base costs ~30 min on a 2-core machine (once: cached by config hash).
export const MODEL_PRESETS: ModelPreset[] = [
  {
    id: 'encoder-tiny',
    description: 'RoBERTa-like encoder, d=64, 2 layers, 4 heads; masked-LM pretrained on the built-in corpus',
    config: { family: 'encoder', dModel: 64, nLayers: 2, nHeads: 4, dFF: 256, maxLen: 128, ...shared },
    tokenizerVocab: 1000,
    // 1200 steps at lr 2e-3 get the masked LM past its unigram plateau (held-out perplexity ~230 at vocab 1000,
    // against ~460 after 600 steps at 1e-3): a base that fine-tuning methods other than full FT can build on.
    pretrain: { steps: 1200, batchSize: 32, seqLen: 64, lr: 2e-3 },
  },
  {
    id: 'encoder-small',
    description: 'RoBERTa-like encoder, d=384, 4 layers, 6 heads (10.4M parameters); masked-LM pretrained on the built-in corpus',
    config: { family: 'encoder', dModel: 384, nLayers: 4, nHeads: 6, dFF: 1536, maxLen: 256, ...shared },
    tokenizerVocab: 8000,
    // Adam's step is ~lr per weight whatever the width, so a 6× wider model than encoder-tiny wants a smaller rate:
    // at 2e-3 (tiny's) and at 1e-3 (d=320, 6 layers) the masked LM sat on its unigram plateau (loss ~6.8) for
    // 850 steps. 1,400 × 2,048 tokens: 30 min on 2 cores, held-out perplexity 471 (vocabulary 8,000).
    pretrain: { steps: 1400, batchSize: 16, seqLen: 128, lr: 5e-4 },
  },
  {
    id: 'decoder-tiny',
    description: 'LLaMA-like decoder (RMSNorm, RoPE, SwiGLU), d=64, 2 layers, 4 heads; causal-LM pretrained',
    config: { family: 'decoder', dModel: 64, nLayers: 2, nHeads: 4, dFF: 172, maxLen: 128, ...shared },
    tokenizerVocab: 1000,
    pretrain: { steps: 1200, batchSize: 32, seqLen: 64, lr: 2e-3 },
  },
  {
    id: 'decoder-small',
    description: 'LLaMA-like decoder (RMSNorm, RoPE, SwiGLU), d=320, 6 layers, 5 heads (12.6M parameters); causal-LM pretrained',
    config: { family: 'decoder', dModel: 320, nLayers: 6, nHeads: 5, dFF: 864, maxLen: 256, ...shared },
    tokenizerVocab: 8000,
    // Batch 16: the LM head's [B·T, 8000] logits and their gradients at batch 32 overflow the wasm heap.
    pretrain: { steps: 1200, batchSize: 16, seqLen: 128, lr: 1e-3 },
  },
];
