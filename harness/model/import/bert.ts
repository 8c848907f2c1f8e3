// BERT and RoBERTa checkpoints → the encoder family's names. Both are post-LN encoders with learned positions, as ours is.
//
// Differences mapped: nn.Linear weights are [d_out, d_in] (transposed here); RoBERTa's position table starts at
// padding_idx + 1 (rows before it are dropped); BERT's token-type embedding row 0 is added into every position row, so
// single-segment inputs are exact. Pair inputs: BERT gives the second segment type 1; ftbench has no segment ids, so
// the second segment also gets type 0 (RoBERTa has one type, so it is exact there). Fine-tuning absorbs the difference.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config.js';
import { need, prefixOf, type CheckpointReader, type HfConfig, type Mapped } from './files.js';
import { embedRows, vocabColumns } from './permute.js';
import type { HfTokenizer } from '../../../text/hf.js';

const isRoberta = (c: HfConfig) => ['roberta', 'xlm-roberta', 'camembert'].includes(c.model_type);
/** RoBERTa numbers positions from padding_idx + 1. */
const positionOffset = (c: HfConfig) => (isRoberta(c) ? (c.pad_token_id ?? 1) + 1 : 0);

export function bertConfig(c: HfConfig, tok: HfTokenizer): ModelConfig {
  const act = c.hidden_act ?? 'gelu';
  if (act !== 'gelu' && act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') throw new Error(`${c.model_type} activation "${act}" is not supported (ftbench's encoder has GELU, exact or tanh).`);
  if (c.position_embedding_type && c.position_embedding_type !== 'absolute') throw new Error(`${c.model_type} position embeddings "${c.position_embedding_type}" are not supported; only absolute ones.`);
  return {
    family: 'encoder',
    vocabSize: tok.vocabSize,
    dModel: c.hidden_size,
    nLayers: c.num_hidden_layers,
    nHeads: c.num_attention_heads,
    dFF: c.intermediate_size,
    maxLen: c.max_position_embeddings - positionOffset(c),
    normEps: c.layer_norm_eps ?? 1e-12,
    ropeTheta: 10000,
    ropeScale: 1,
    act: act === 'gelu' ? 'gelu-erf' : 'gelu-tanh',
  };
}

export function bertWeights(w: CheckpointReader, cfg: ModelConfig, c: HfConfig, tok: HfTokenizer, dir: string): Mapped {
  const base = isRoberta(c) ? 'roberta.' : 'bert.';
  const p = prefixOf(w, 'embeddings.word_embeddings.weight', [base, '']);
  const g = (n: string) => () => need(w, dir, `${p}${n}`);
  const out: Mapped = {};
  // Old TF-converted checkpoints call LayerNorm's parameters gamma and beta.
  const ln = (name: string, n: string) => {
    out[`${name}.weight`] = () => need(w, dir, `${p}${n}.weight`, `${p}${n}.gamma`);
    out[`${name}.bias`] = () => need(w, dir, `${p}${n}.bias`, `${p}${n}.beta`);
  };
  const linear = (name: string, n: string) => {
    out[`${name}.weight`] = () => tf.tidy(() => tf.transpose(need(w, dir, `${p}${n}.weight`)));
    out[`${name}.bias`] = g(`${n}.bias`);
  };
  const off = positionOffset(c);
  out['embed.tok.weight'] = () => tf.tidy(() => embedRows(need(w, dir, `${p}embeddings.word_embeddings.weight`), tok));
  out['embed.pos.weight'] = () =>
    tf.tidy(() => {
      const pos = tf.slice(need(w, dir, `${p}embeddings.position_embeddings.weight`), [off, 0], [cfg.maxLen, cfg.dModel]);
      const types = `${p}embeddings.token_type_embeddings.weight`;
      return w.has(types) ? tf.add(pos, tf.slice(w.get(types), [0, 0], [1, cfg.dModel])) : pos;
    });
  ln('embed.norm', 'embeddings.LayerNorm');
  for (let i = 0; i < cfg.nLayers; i++) {
    const h = `encoder.layer.${i}.`;
    const L = `layers.${i}.`;
    linear(`${L}attn.q`, `${h}attention.self.query`);
    linear(`${L}attn.k`, `${h}attention.self.key`);
    linear(`${L}attn.v`, `${h}attention.self.value`);
    linear(`${L}attn.o`, `${h}attention.output.dense`);
    ln(`${L}attn_norm`, `${h}attention.output.LayerNorm`);
    linear(`${L}ffn.up`, `${h}intermediate.dense`);
    linear(`${L}ffn.down`, `${h}output.dense`);
    ln(`${L}ffn_norm`, `${h}output.LayerNorm`);
  }
  // The MLM head, when the checkpoint has one (BertForMaskedLM's cls.predictions, RoBERTa's lm_head); its decoder is tied.
  const heads = isRoberta(c)
    ? { dense: 'lm_head.dense', norm: 'lm_head.layer_norm', bias: 'lm_head.bias' }
    : { dense: 'cls.predictions.transform.dense', norm: 'cls.predictions.transform.LayerNorm', bias: 'cls.predictions.bias' };
  if (w.has(`${heads.dense}.weight`)) {
    out['lm_head.dense.weight'] = () => tf.tidy(() => tf.transpose(w.get(`${heads.dense}.weight`)));
    out['lm_head.dense.bias'] = () => w.get(`${heads.dense}.bias`);
    out['lm_head.norm.weight'] = () => need(w, dir, `${heads.norm}.weight`, `${heads.norm}.gamma`);
    out['lm_head.norm.bias'] = () => need(w, dir, `${heads.norm}.bias`, `${heads.norm}.beta`);
    out['lm_head.bias'] = () => tf.tidy(() => vocabColumns(need(w, dir, heads.bias), tok));
  }
  return out;
}
