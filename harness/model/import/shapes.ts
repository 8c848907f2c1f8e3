// Named real checkpoint shapes (config.json as Hugging Face publishes it) and the tensors a checkpoint of each holds,
// so make-checkpoint can write random checkpoints of real sizes and the memory estimate can size them from config.json.
import type { HfConfig } from './files.js';

export interface CheckpointShape {
  id: string;
  description: string;
  /** config.json, field for field as in the published checkpoint (architectures, dims, ids, rope settings). */
  config: HfConfig;
  /** Ids of the tokenizer's special tokens, as in the published tokenizer.json. */
  specials: Record<string, number>;
  /** Entries of tokenizer_config.json naming the special roles. */
  tokenizerConfig: Record<string, string | null>;
}

// A LLaMA-2-layout checkpoint: TinyLlama and Llama-2-7B publish the same config.json, tokenizer and special tokens
// but for these dimensions (config.json's fields stay in the published order).
interface LlamaDims { hidden_size: number; intermediate_size: number; num_hidden_layers: number; num_key_value_heads: number; max_position_embeddings: number }
const llama2 = (id: string, description: string, d: LlamaDims): CheckpointShape => ({
  id,
  description,
  config: {
    architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: d.hidden_size, intermediate_size: d.intermediate_size,
    num_hidden_layers: d.num_hidden_layers, num_attention_heads: 32, num_key_value_heads: d.num_key_value_heads, vocab_size: 32000,
    max_position_embeddings: d.max_position_embeddings, rms_norm_eps: 1e-5, rope_theta: 10000, rope_scaling: null, hidden_act: 'silu',
    tie_word_embeddings: false, attention_bias: false, bos_token_id: 1, eos_token_id: 2, initializer_range: 0.02, torch_dtype: 'float32',
  },
  specials: { '<unk>': 0, '<s>': 1, '</s>': 2 },
  tokenizerConfig: { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', pad_token: null },
});

export const SHAPES: CheckpointShape[] = [
  llama2('tinyllama-1.1b', 'TinyLlama-1.1B: LLaMA-2 layout, d 2048, 22 layers, 32 heads, 4 key/value heads, FFN 5632, vocab 32000 (1.10B parameters)', {
    hidden_size: 2048, intermediate_size: 5632, num_hidden_layers: 22, num_key_value_heads: 4, max_position_embeddings: 2048,
  }),
  llama2('llama-7b', 'Llama-2-7B: d 4096, 32 layers, 32 heads, FFN 11008, vocab 32000 (6.74B parameters)', {
    hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_key_value_heads: 32, max_position_embeddings: 4096,
  }),
  {
    id: 'qwen2.5-1.5b',
    description: 'Qwen2.5-1.5B: d 1536, 28 layers, 12 heads, 2 key/value heads, q/k/v biases, FFN 8960, vocab 151936, tied embeddings (1.54B parameters)',
    config: {
      architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', hidden_size: 1536, intermediate_size: 8960, num_hidden_layers: 28,
      num_attention_heads: 12, num_key_value_heads: 2, vocab_size: 151936, max_position_embeddings: 32768, rms_norm_eps: 1e-6,
      rope_theta: 1000000, rope_scaling: null, hidden_act: 'silu', tie_word_embeddings: true, use_sliding_window: false,
      bos_token_id: 151643, eos_token_id: 151643, initializer_range: 0.02, torch_dtype: 'float32',
    },
    specials: { '<|endoftext|>': 151643, '<|im_start|>': 151644, '<|im_end|>': 151645 },
    tokenizerConfig: { bos_token: null, eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', unk_token: null },
  },
  {
    id: 'gpt2-medium',
    description: 'GPT-2 medium: d 1024, 24 layers, 16 heads, FFN 4096, vocab 50257, 1024 positions (355M parameters)',
    config: {
      architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', n_embd: 1024, n_layer: 24, n_head: 16, n_inner: null, n_positions: 1024,
      n_ctx: 1024, vocab_size: 50257, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new', bos_token_id: 50256,
      eos_token_id: 50256, initializer_range: 0.02, tie_word_embeddings: true, torch_dtype: 'float32',
    },
    specials: { '<|endoftext|>': 50256 },
    tokenizerConfig: { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', pad_token: null },
  },
  {
    id: 'roberta-base',
    description: 'RoBERTa-base: d 768, 12 layers, 12 heads, FFN 3072, vocab 50265, 514 positions, masked-LM head (125M parameters)',
    config: {
      architectures: ['RobertaForMaskedLM'], model_type: 'roberta', hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12,
      num_attention_heads: 12, vocab_size: 50265, max_position_embeddings: 514, type_vocab_size: 1, layer_norm_eps: 1e-5,
      hidden_act: 'gelu', position_embedding_type: 'absolute', pad_token_id: 1, bos_token_id: 0, eos_token_id: 2,
      initializer_range: 0.02, torch_dtype: 'float32',
    },
    specials: { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3, '<mask>': 50264 },
    tokenizerConfig: { bos_token: '<s>', eos_token: '</s>', cls_token: '<s>', sep_token: '</s>', pad_token: '<pad>', unk_token: '<unk>', mask_token: '<mask>' },
  },
];

export function shapeById(id: string): CheckpointShape {
  const s = SHAPES.find((x) => x.id === id);
  if (!s) throw new Error(`Unknown checkpoint shape "${id}"; shapes: ${SHAPES.map((x) => x.id).join(', ')}.`);
  return s;
}

export type Init = 'normal' | 'ones' | 'zeros';

export interface TensorSpec {
  name: string;
  /** As stored in the checkpoint (nn.Linear [out, in], GPT-2's Conv1D [in, out]). */
  shape: number[];
  init: Init;
}

/** Every tensor of a checkpoint with this config.json, with Hugging Face's names, shapes and init kinds, in file order. */
export function checkpointTensors(c: HfConfig): TensorSpec[] {
  const t = (name: string, shape: number[], init: Init = 'normal'): TensorSpec => ({ name, shape, init });
  const out: TensorSpec[] = [];
  if (c.model_type === 'gpt2') {
    const d = c.n_embd;
    const ff = c.n_inner ?? 4 * d;
    const p = 'transformer.';
    out.push(t(`${p}wte.weight`, [c.vocab_size, d]), t(`${p}wpe.weight`, [c.n_positions, d]));
    for (let i = 0; i < c.n_layer; i++) {
      const h = `${p}h.${i}.`;
      out.push(
        t(`${h}ln_1.weight`, [d], 'ones'), t(`${h}ln_1.bias`, [d], 'zeros'),
        t(`${h}attn.c_attn.weight`, [d, 3 * d]), t(`${h}attn.c_attn.bias`, [3 * d], 'zeros'),
        t(`${h}attn.c_proj.weight`, [d, d]), t(`${h}attn.c_proj.bias`, [d], 'zeros'),
        t(`${h}ln_2.weight`, [d], 'ones'), t(`${h}ln_2.bias`, [d], 'zeros'),
        t(`${h}mlp.c_fc.weight`, [d, ff]), t(`${h}mlp.c_fc.bias`, [ff], 'zeros'),
        t(`${h}mlp.c_proj.weight`, [ff, d]), t(`${h}mlp.c_proj.bias`, [d], 'zeros'),
      );
    }
    out.push(t(`${p}ln_f.weight`, [d], 'ones'), t(`${p}ln_f.bias`, [d], 'zeros'));
    return out;
  }
  if (['bert', 'roberta', 'xlm-roberta', 'camembert'].includes(c.model_type)) {
    const d = c.hidden_size;
    const ff = c.intermediate_size;
    const p = c.model_type === 'bert' ? 'bert.' : 'roberta.';
    const lin = (n: string, dOut: number, dIn: number) => [t(`${n}.weight`, [dOut, dIn]), t(`${n}.bias`, [dOut], 'zeros')];
    const ln = (n: string) => [t(`${n}.weight`, [d], 'ones'), t(`${n}.bias`, [d], 'zeros')];
    out.push(
      t(`${p}embeddings.word_embeddings.weight`, [c.vocab_size, d]),
      t(`${p}embeddings.position_embeddings.weight`, [c.max_position_embeddings, d]),
      t(`${p}embeddings.token_type_embeddings.weight`, [c.type_vocab_size ?? 2, d]),
      ...ln(`${p}embeddings.LayerNorm`),
    );
    for (let i = 0; i < c.num_hidden_layers; i++) {
      const h = `${p}encoder.layer.${i}.`;
      out.push(
        ...lin(`${h}attention.self.query`, d, d), ...lin(`${h}attention.self.key`, d, d), ...lin(`${h}attention.self.value`, d, d),
        ...lin(`${h}attention.output.dense`, d, d), ...ln(`${h}attention.output.LayerNorm`),
        ...lin(`${h}intermediate.dense`, ff, d), ...lin(`${h}output.dense`, d, ff), ...ln(`${h}output.LayerNorm`),
      );
    }
    if (c.model_type === 'bert') out.push(...lin('cls.predictions.transform.dense', d, d), ...ln('cls.predictions.transform.LayerNorm'), t('cls.predictions.bias', [c.vocab_size], 'zeros'));
    else out.push(...lin('lm_head.dense', d, d), ...ln('lm_head.layer_norm'), t('lm_head.bias', [c.vocab_size], 'zeros'));
    return out;
  }
  // LLaMA family (llama, mistral, qwen2): nn.Linear [out, in]; key/value projections have num_key_value_heads heads.
  const d = c.hidden_size;
  const H = c.num_attention_heads;
  const hd = c.head_dim ?? d / H;
  const kv = (c.num_key_value_heads ?? H) * hd;
  const qkvBias = c.model_type === 'qwen2' || c.attention_bias === true;
  out.push(t('model.embed_tokens.weight', [c.vocab_size, d]));
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const h = `model.layers.${i}.`;
    const proj = (n: string, dOut: number) => [t(`${h}self_attn.${n}.weight`, [dOut, d]), ...(qkvBias && n !== 'o_proj' ? [t(`${h}self_attn.${n}.bias`, [dOut], 'zeros')] : [])];
    out.push(
      t(`${h}input_layernorm.weight`, [d], 'ones'),
      ...proj('q_proj', H * hd), ...proj('k_proj', kv), ...proj('v_proj', kv),
      t(`${h}self_attn.o_proj.weight`, [d, H * hd]),
      t(`${h}post_attention_layernorm.weight`, [d], 'ones'),
      t(`${h}mlp.gate_proj.weight`, [c.intermediate_size, d]), t(`${h}mlp.up_proj.weight`, [c.intermediate_size, d]),
      t(`${h}mlp.down_proj.weight`, [d, c.intermediate_size]),
    );
  }
  out.push(t('model.norm.weight', [d], 'ones'));
  if (!c.tie_word_embeddings) out.push(t('lm_head.weight', [c.vocab_size, d]));
  return out;
}

/** Parameter count of a checkpoint from its config.json alone. */
export function checkpointParams(c: HfConfig): number {
  return checkpointTensors(c).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
}
