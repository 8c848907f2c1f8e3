// GPT-2 checkpoints (GPT2Model / GPT2LMHeadModel safetensors) → the gpt2 family's parameter names.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config.js';
import { need, prefixOf, type CheckpointReader, type HfConfig, type Mapped } from './files.js';
import { embedRows } from './permute.js';
import type { HfTokenizer } from '../../../text/hf.js';

export function gpt2Config(c: HfConfig, tok: HfTokenizer): ModelConfig {
  if (c.activation_function && c.activation_function !== 'gelu_new') throw new Error(`GPT-2 activation "${c.activation_function}" is not supported (ftbench's GPT-2 uses gelu_new, the tanh approximation).`);
  const d = c.n_embd;
  return { family: 'gpt2', vocabSize: tok.vocabSize, dModel: d, nLayers: c.n_layer, nHeads: c.n_head, dFF: c.n_inner ?? 4 * d, maxLen: c.n_positions, normEps: c.layer_norm_epsilon ?? 1e-5, ropeTheta: 10000, ropeScale: 1 };
}

/** Conv1D weights are stored [d_in, d_out], as ours are: no transpose. c_attn [d, 3d] is split into q, k, v. */
export function gpt2Weights(w: CheckpointReader, cfg: ModelConfig, tok: HfTokenizer, dir: string): Mapped {
  const p = prefixOf(w, 'wte.weight', ['transformer.', '']);
  const g = (n: string) => () => need(w, dir, `${p}${n}`);
  const d = cfg.dModel;
  /** Part j (q 0, k 1, v 2) of the fused c_attn weight [d, 3d] or bias [3d]. */
  const part = (n: string, j: number) => () => tf.tidy(() => tf.split(need(w, dir, `${p}${n}`), [d, d, d], -1)[j]);
  const out: Mapped = {
    'embed.tok.weight': () => tf.tidy(() => embedRows(need(w, dir, `${p}wte.weight`), tok)),
    'embed.pos.weight': g('wpe.weight'),
    'norm.weight': g('ln_f.weight'),
    'norm.bias': g('ln_f.bias'),
  };
  for (let i = 0; i < cfg.nLayers; i++) {
    const h = `h.${i}.`;
    const L = `layers.${i}.`;
    Object.assign(out, {
      [`${L}attn_norm.weight`]: g(`${h}ln_1.weight`),
      [`${L}attn_norm.bias`]: g(`${h}ln_1.bias`),
      [`${L}attn.q.weight`]: part(`${h}attn.c_attn.weight`, 0), [`${L}attn.q.bias`]: part(`${h}attn.c_attn.bias`, 0),
      [`${L}attn.k.weight`]: part(`${h}attn.c_attn.weight`, 1), [`${L}attn.k.bias`]: part(`${h}attn.c_attn.bias`, 1),
      [`${L}attn.v.weight`]: part(`${h}attn.c_attn.weight`, 2), [`${L}attn.v.bias`]: part(`${h}attn.c_attn.bias`, 2),
      [`${L}attn.o.weight`]: g(`${h}attn.c_proj.weight`),
      [`${L}attn.o.bias`]: g(`${h}attn.c_proj.bias`),
      [`${L}ffn_norm.weight`]: g(`${h}ln_2.weight`),
      [`${L}ffn_norm.bias`]: g(`${h}ln_2.bias`),
      [`${L}ffn.up.weight`]: g(`${h}mlp.c_fc.weight`),
      [`${L}ffn.up.bias`]: g(`${h}mlp.c_fc.bias`),
      [`${L}ffn.down.weight`]: g(`${h}mlp.c_proj.weight`),
      [`${L}ffn.down.bias`]: g(`${h}mlp.c_proj.bias`),
    });
  }
  return out;
}
