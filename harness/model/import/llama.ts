// LLaMA-family checkpoints (LlamaForCausalLM, Mistral without sliding windows, Qwen2 with its q/k/v biases) → the
// decoder family's names.
//
// HF stores q/k in the rotate-half RoPE layout (its conversion script permuted Meta's interleaved weights once), and
// ftbench's RoPE is rotate-half with duplicated halves, so q_proj/k_proj load as they are, only transposed from
// nn.Linear's [d_out, d_in]. Grouped-query attention (num_key_value_heads < num_attention_heads) is the decoder's own
// nKvHeads: k/v projections keep their [d, kvH·hd] size, and heads are repeated for their groups at run time.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config.js';
import { need, type CheckpointReader, type HfConfig, type Mapped } from './files.js';
import { embedRows, vocabColumns } from './permute.js';
import type { HfTokenizer } from '../../../text/hf.js';

export function llamaConfig(c: HfConfig, tok: HfTokenizer): ModelConfig {
  const d = c.hidden_size;
  const H = c.num_attention_heads;
  if (c.head_dim && c.head_dim * H !== d) throw new Error(`head_dim ${c.head_dim} × ${H} heads ≠ hidden_size ${d}: ftbench's decoder needs head_dim = hidden_size / heads.`);
  const H_kv = c.num_key_value_heads ?? H;
  if (H % H_kv !== 0) throw new Error(`num_attention_heads ${H} is not a multiple of num_key_value_heads ${H_kv}.`);
  // Qwen2 has q/k/v biases and no o_proj bias; LLaMA's attention_bias would put one on o_proj too, which the decoder lacks.
  if (c.attention_bias || c.mlp_bias) throw new Error(`This ${c.model_type} checkpoint has attention or MLP biases on every projection, which ftbench's LLaMA-like decoder does not (it has Qwen2's q/k/v biases only).`);
  if (c.use_sliding_window && c.sliding_window && c.sliding_window < (c.max_position_embeddings ?? 0)) throw new Error(`This ${c.model_type} checkpoint uses sliding-window attention, which ftbench's decoder does not.`);
  if ((c.hidden_act ?? 'silu') !== 'silu') throw new Error(`${c.model_type} activation "${c.hidden_act}" is not supported (SwiGLU with SiLU only).`);
  let ropeScale = 1;
  const rs = c.rope_scaling;
  if (rs) {
    const type = rs.rope_type ?? rs.type;
    if (type !== 'linear' && type !== 'default') throw new Error(`RoPE scaling "${type}" is not supported; only linear position interpolation.`);
    if (type === 'linear') ropeScale = rs.factor;
  }
  return {
    family: 'decoder', vocabSize: tok.vocabSize, dModel: d, nLayers: c.num_hidden_layers, nHeads: H, dFF: c.intermediate_size,
    maxLen: c.max_position_embeddings ?? 2048, normEps: c.rms_norm_eps ?? 1e-6, ropeTheta: c.rope_theta ?? 10000, ropeScale,
    ...(H_kv !== H ? { nKvHeads: H_kv } : {}),
    ...(c.model_type === 'qwen2' ? { qkvBias: true } : {}),
  };
}

/** Every parameter as a thunk, so a parameter's checkpoint tensor is read (and transposed) only when it is loaded. */
export function llamaWeights(w: CheckpointReader, cfg: ModelConfig, tok: HfTokenizer, dir: string): Mapped {
  const g = (n: string) => () => need(w, dir, n);
  // nn.Linear [d_out, d_in] → ours [d_in, d_out]
  const T = (n: string) => () => tf.tidy(() => tf.transpose(need(w, dir, n)));
  const out: Mapped = {
    'embed.tok.weight': () => tf.tidy(() => embedRows(need(w, dir, 'model.embed_tokens.weight'), tok)),
    'norm.weight': g('model.norm.weight'),
    // Untied lm_head [V, d] → ours [d, V]; tie_word_embeddings checkpoints omit it and reuse the embedding.
    'lm_head.weight': () => tf.tidy(() => vocabColumns(tf.transpose(need(w, dir, w.has('lm_head.weight') ? 'lm_head.weight' : 'model.embed_tokens.weight')), tok)),
  };
  for (let i = 0; i < cfg.nLayers; i++) {
    const h = `model.layers.${i}.`;
    const L = `layers.${i}.`;
    Object.assign(out, {
      [`${L}attn_norm.weight`]: g(`${h}input_layernorm.weight`),
      [`${L}attn.q.weight`]: T(`${h}self_attn.q_proj.weight`),
      [`${L}attn.k.weight`]: T(`${h}self_attn.k_proj.weight`),
      [`${L}attn.v.weight`]: T(`${h}self_attn.v_proj.weight`),
      [`${L}attn.o.weight`]: T(`${h}self_attn.o_proj.weight`),
      [`${L}ffn_norm.weight`]: g(`${h}post_attention_layernorm.weight`),
      [`${L}ffn.gate.weight`]: T(`${h}mlp.gate_proj.weight`),
      [`${L}ffn.up.weight`]: T(`${h}mlp.up_proj.weight`),
      [`${L}ffn.down.weight`]: T(`${h}mlp.down_proj.weight`),
    });
    if (cfg.qkvBias) for (const x of ['q', 'k', 'v']) out[`${L}attn.${x}.bias`] = g(`${h}self_attn.${x}_proj.bias`);
  }
  return out;
}
