// Test fixtures for table runs: a randomly initialised RoBERTa-layout Hugging Face folder (RobertaForMaskedLM names,
// byte-level BPE tokenizer.json with RoBERTa's specials) and GLUE task folders in the official TSV layout.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { saveSafetensors } from '../../harness/model/safetensors.js';
import { bytesToUnicode } from '../hf-fixtures.js';
import { mulberry32 } from '../../reports/stats.js';

/** RoBERTa-base's layout and config keys at a small size (hidden 32, 2 layers): the real shape is 768 × 12 (docs/tables.md). */
export async function writeRobertaFolder(dir: string, o: { hidden?: number; layers?: number; heads?: number; positions?: number; seed?: number } = {}): Promise<string> {
  const [d, L, H, P] = [o.hidden ?? 32, o.layers ?? 2, o.heads ?? 4, o.positions ?? 66];
  // Vocabulary as roberta-base orders it: <s> <pad> </s> <unk>, the byte symbols, merges, <mask> last.
  const vocab = new Map<string, number>();
  for (const s of ['<s>', '<pad>', '</s>', '<unk>']) vocab.set(s, vocab.size);
  for (const ch of bytesToUnicode().values()) vocab.set(ch, vocab.size);
  const merges = ['Ġ t', 'h e', 'Ġt he', 'Ġ a', 'i n', 'e r', 'o n', 'Ġ s', 'e n', 'a t'];
  for (const m of merges) vocab.set(m.replace(' ', ''), vocab.size);
  vocab.set('<mask>', vocab.size);
  const V = vocab.size;
  const special = (content: string) => ({ id: vocab.get(content), content, single_word: false, lstrip: content === '<mask>', rstrip: false, normalized: false, special: true });
  const tokenizer = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: ['<s>', '<pad>', '</s>', '<unk>', '<mask>'].map(special),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab: Object.fromEntries(vocab), merges },
  };
  const config = {
    architectures: ['RobertaForMaskedLM'], model_type: 'roberta', hidden_size: d, intermediate_size: 4 * d, num_hidden_layers: L,
    num_attention_heads: H, vocab_size: V, max_position_embeddings: P, type_vocab_size: 1, layer_norm_eps: 1e-5, hidden_act: 'gelu',
    position_embedding_type: 'absolute', pad_token_id: 1, bos_token_id: 0, eos_token_id: 2, initializer_range: 0.02,
  };
  const rand = mulberry32(o.seed ?? 7);
  const normal = (n: number) => Float32Array.from({ length: n }, () => 0.02 * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()));
  const w: Record<string, tf.Tensor> = {};
  const mat = (name: string, r: number, c: number) => (w[name] = tf.tensor2d(normal(r * c), [r, c]));
  const vec = (name: string, n: number, v: number) => (w[name] = tf.fill([n], v));
  const lin = (name: string, out: number, inp: number) => (mat(`${name}.weight`, out, inp), vec(`${name}.bias`, out, 0));
  const ln = (name: string) => (vec(`${name}.weight`, d, 1), vec(`${name}.bias`, d, 0));
  mat('roberta.embeddings.word_embeddings.weight', V, d);
  mat('roberta.embeddings.position_embeddings.weight', P, d);
  mat('roberta.embeddings.token_type_embeddings.weight', 1, d);
  ln('roberta.embeddings.LayerNorm');
  for (let i = 0; i < L; i++) {
    const p = `roberta.encoder.layer.${i}.`;
    for (const n of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']) lin(p + n, d, d);
    ln(`${p}attention.output.LayerNorm`);
    lin(`${p}intermediate.dense`, 4 * d, d);
    lin(`${p}output.dense`, d, 4 * d);
    ln(`${p}output.LayerNorm`);
  }
  lin('lm_head.dense', d, d);
  w['lm_head.layer_norm.weight'] = tf.fill([d], 1);
  w['lm_head.layer_norm.bias'] = tf.fill([d], 0);
  vec('lm_head.bias', V, 0);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: '</s>', cls_token: '<s>', sep_token: '</s>', pad_token: '<pad>', unk_token: '<unk>', mask_token: '<mask>' }));
  await saveSafetensors(path.join(dir, 'model.safetensors'), w, { format: 'pt' });
  tf.dispose(Object.values(w));
  return dir;
}

const WORDS = 'the cat sat on a mat while dogs ran in parks and birds sang over green hills near old towns'.split(' ');

/**
 * The 8 GLUE task folders as download_glue_data.py writes them (headers, column orders, CoLA headerless, MNLI's
 * dev_matched.tsv), `n` training and `m` dev rows of random words and labels.
 */
export function writeGlueFolders(root: string, n = 40, m = 12, seed = 3): string {
  const rand = mulberry32(seed);
  const sent = () => Array.from({ length: 4 + Math.floor(rand() * 6) }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
  const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const tasks: Record<string, { header: string[] | null; row: (i: number) => string[]; dev?: string }> = {
    CoLA: { header: null, row: () => ['gj04', pick(['0', '1']), '', sent()] },
    'SST-2': { header: ['sentence', 'label'], row: () => [sent(), pick(['0', '1'])] },
    MRPC: { header: ['Quality', '#1 ID', '#2 ID', '#1 String', '#2 String'], row: (i) => [pick(['0', '1']), String(i), String(i + 1000), sent(), sent()] },
    QQP: { header: ['id', 'qid1', 'qid2', 'question1', 'question2', 'is_duplicate'], row: (i) => [String(i), String(2 * i), String(2 * i + 1), sent(), sent(), pick(['0', '1'])] },
    'STS-B': {
      header: ['index', 'genre', 'filename', 'year', 'old_index', 'source1', 'source2', 'sentence1', 'sentence2', 'score'],
      row: (i) => [String(i), 'main-captions', 'MSRvid', '2012test', String(i), 'none', 'none', sent(), sent(), (rand() * 5).toFixed(3)],
    },
    MNLI: {
      header: ['index', 'promptID', 'pairID', 'genre', 'sentence1_binary_parse', 'sentence2_binary_parse', 'sentence1_parse', 'sentence2_parse', 'sentence1', 'sentence2', 'label1', 'gold_label'],
      row: (i) => { const l = pick(['entailment', 'neutral', 'contradiction']); return [String(i), String(i), `${i}e`, 'fiction', '( a )', '( b )', '(ROOT a)', '(ROOT b)', sent(), sent(), l, l]; },
      dev: 'dev_matched.tsv',
    },
    QNLI: { header: ['index', 'question', 'sentence', 'label'], row: (i) => [String(i), sent(), sent(), pick(['entailment', 'not_entailment'])] },
    RTE: { header: ['index', 'sentence1', 'sentence2', 'label'], row: (i) => [String(i), sent(), sent(), pick(['entailment', 'not_entailment'])] },
  };
  for (const [name, t] of Object.entries(tasks)) {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    const file = (rows: number, offset: number) => [...(t.header ? [t.header.join('\t')] : []), ...Array.from({ length: rows }, (_, i) => t.row(offset + i).join('\t'))].join('\n') + '\n';
    fs.writeFileSync(path.join(dir, 'train.tsv'), file(n, 0));
    fs.writeFileSync(path.join(dir, t.dev ?? 'dev.tsv'), file(m, n));
  }
  return root;
}
