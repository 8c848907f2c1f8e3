// Test fixtures for table runs: a randomly initialised RoBERTa-layout Hugging Face folder (RobertaForMaskedLM names,
// byte-level BPE tokenizer.json with RoBERTa's specials) and GLUE task folders in the official TSV layout.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { saveSafetensors } from '../../harness/model/safetensors.js';
import { bytesToUnicode } from '../hf-fixtures.js';
import { mulberry32 } from '../../reports/stats.js';

/** Weights drawn as Hugging Face initialises them (normal, σ 0.02, from a seeded mulberry32), collected by name. */
function weights(seed: number) {
  const rand = mulberry32(seed);
  const normal = (n: number) => Float32Array.from({ length: n }, () => 0.02 * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()));
  const w: Record<string, tf.Tensor> = {};
  const mat = (name: string, r: number, c: number) => (w[name] = tf.tensor2d(normal(r * c), [r, c]));
  const vec = (name: string, n: number, v: number) => (w[name] = tf.fill([n], v));
  return { w, mat, vec };
}

/** A Hugging Face folder: config.json, tokenizer.json, tokenizer_config.json when given, and the weights (then freed). */
async function writeHfFolder(dir: string, f: { config: object; tokenizer: object; tokenizerConfig?: object; w: Record<string, tf.Tensor> }): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(f.config, null, 2));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(f.tokenizer));
  if (f.tokenizerConfig) fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(f.tokenizerConfig));
  await saveSafetensors(path.join(dir, 'model.safetensors'), f.w, { format: 'pt' });
  tf.dispose(Object.values(f.w));
  return dir;
}

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
  const { w, mat, vec } = weights(o.seed ?? 7);
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
  const tokenizerConfig = { bos_token: '<s>', eos_token: '</s>', cls_token: '<s>', sep_token: '</s>', pad_token: '<pad>', unk_token: '<unk>', mask_token: '<mask>' };
  return writeHfFolder(dir, { config, tokenizer, tokenizerConfig, w });
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

/** GPT-2's layout (GPT2LMHeadModel names, Conv1D [in, out] weights) at a small size, with a byte-level BPE tokenizer.json. */
export async function writeGpt2Folder(dir: string, o: { hidden?: number; layers?: number; heads?: number; positions?: number; seed?: number } = {}): Promise<string> {
  const { gpt2TokenizerJson } = await import('../hf-fixtures.js');
  const { json, vocab } = gpt2TokenizerJson();
  const [d, L, H, P, V] = [o.hidden ?? 32, o.layers ?? 2, o.heads ?? 4, o.positions ?? 192, vocab.size];
  const { w, mat, vec } = weights(o.seed ?? 11);
  mat('transformer.wte.weight', V, d);
  mat('transformer.wpe.weight', P, d);
  for (let i = 0; i < L; i++) {
    const p = `transformer.h.${i}.`;
    vec(`${p}ln_1.weight`, d, 1), vec(`${p}ln_1.bias`, d, 0), vec(`${p}ln_2.weight`, d, 1), vec(`${p}ln_2.bias`, d, 0);
    mat(`${p}attn.c_attn.weight`, d, 3 * d), vec(`${p}attn.c_attn.bias`, 3 * d, 0);
    mat(`${p}attn.c_proj.weight`, d, d), vec(`${p}attn.c_proj.bias`, d, 0);
    mat(`${p}mlp.c_fc.weight`, d, 4 * d), vec(`${p}mlp.c_fc.bias`, 4 * d, 0);
    mat(`${p}mlp.c_proj.weight`, 4 * d, d), vec(`${p}mlp.c_proj.bias`, d, 0);
  }
  vec('transformer.ln_f.weight', d, 1), vec('transformer.ln_f.bias', d, 0);
  const config = { architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', n_embd: d, n_layer: L, n_head: H, n_positions: P, n_ctx: P, vocab_size: V, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new', bos_token_id: V - 1, eos_token_id: V - 1 };
  return writeHfFolder(dir, { config, tokenizer: json, w });
}

/** An E2E NLG folder in the official layout: trainset.csv, devset.csv, testset_w_refs.csv (mr, ref; several refs per mr). */
export function writeE2eFolder(dir: string, n = 24, m = 8, seed = 5): string {
  const rand = mulberry32(seed);
  const names = ['Eagle', 'Mill', 'Cotto', 'Punter', 'Wrestlers'];
  const foods = ['Italian', 'French', 'English', 'Chinese'];
  const row = () => {
    const name = names[Math.floor(rand() * names.length)]!, food = foods[Math.floor(rand() * foods.length)]!;
    return { mr: `name[${name}], food[${food}]`, refs: [`${name} serves ${food} food.`, `${food} food is served at ${name}.`] };
  };
  const csv = (rows: { mr: string; refs: string[] }[]) => 'mr,ref\n' + rows.flatMap((r) => r.refs.map((x) => `"${r.mr}","${x}"`)).join('\n') + '\n';
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'trainset.csv'), csv(Array.from({ length: n }, row)));
  fs.writeFileSync(path.join(dir, 'devset.csv'), csv(Array.from({ length: m }, row)));
  fs.writeFileSync(path.join(dir, 'testset_w_refs.csv'), csv(Array.from({ length: m }, row)));
  return dir;
}

/** LLaMA's layout (LlamaForCausalLM names, untied head) at a small size, with a SentencePiece-style BPE tokenizer.json. */
export async function writeLlamaFolder(dir: string, o: { hidden?: number; layers?: number; heads?: number; seed?: number } = {}): Promise<string> {
  const { llamaTokenizerJson } = await import('../hf-fixtures.js');
  const { json, vocab } = llamaTokenizerJson();
  const [d, L, H, V, F] = [o.hidden ?? 32, o.layers ?? 2, o.heads ?? 4, vocab.size, 2 * (o.hidden ?? 32)];
  const { w, mat } = weights(o.seed ?? 13);
  mat('model.embed_tokens.weight', V, d);
  mat('lm_head.weight', V, d);
  w['model.norm.weight'] = tf.fill([d], 1);
  for (let i = 0; i < L; i++) {
    const p = `model.layers.${i}.`;
    w[`${p}input_layernorm.weight`] = tf.fill([d], 1);
    w[`${p}post_attention_layernorm.weight`] = tf.fill([d], 1);
    for (const n of ['q', 'k', 'v', 'o']) mat(`${p}self_attn.${n}_proj.weight`, d, d);
    mat(`${p}mlp.gate_proj.weight`, F, d), mat(`${p}mlp.up_proj.weight`, F, d), mat(`${p}mlp.down_proj.weight`, d, F);
  }
  const config = { architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: V, hidden_size: d, intermediate_size: F, num_hidden_layers: L, num_attention_heads: H, num_key_value_heads: H, hidden_act: 'silu', max_position_embeddings: 512, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false, bos_token_id: 1, eos_token_id: 2 };
  return writeHfFolder(dir, { config, tokenizer: json, w });
}

/** An LLM-Adapters checkout's commonsense files: ft-training_set/commonsense_170k.json and dataset/<task>/test.json. */
export function writeCommonsenseFolder(dir: string, n = 40, m = 8, seed = 9): string {
  const rand = mulberry32(seed);
  const forms: Record<string, string[]> = {
    boolq: ['true', 'false'], piqa: ['solution1', 'solution2'], social_i_qa: ['answer1', 'answer2', 'answer3'], hellaswag: ['ending1', 'ending2', 'ending3', 'ending4'],
    winogrande: ['option1', 'option2'], 'ARC-Easy': ['answer1', 'answer2', 'answer3', 'answer4'], 'ARC-Challenge': ['answer1', 'answer2', 'answer3', 'answer4'], openbookqa: ['answer1', 'answer2', 'answer3', 'answer4'],
  };
  const rec = (task: string, i: number) => {
    const answer = forms[task]![Math.floor(rand() * forms[task]!.length)]!;
    return { instruction: `Question ${i} of ${task}: which is right?\n\nAnswer format: ${forms[task]!.join('/')}`, input: '', output: `the correct answer is ${answer}`, answer };
  };
  const tasks = Object.keys(forms);
  fs.mkdirSync(path.join(dir, 'ft-training_set'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'ft-training_set', 'commonsense_170k.json'), JSON.stringify(Array.from({ length: n }, (_, i) => rec(tasks[i % tasks.length]!, i)), null, 2));
  for (const t of tasks) {
    fs.mkdirSync(path.join(dir, 'dataset', t), { recursive: true });
    fs.writeFileSync(path.join(dir, 'dataset', t, 'test.json'), JSON.stringify(Array.from({ length: m }, (_, i) => rec(t, 1000 + i)), null, 2));
  }
  return dir;
}

/**
 * MMLU's data folder (dev/, val/, test/ of headerless `<subject>_<split>.csv`: question, A, B, C, D, answer; fields
 * with commas quoted, as the authors' files) for two subjects, and an Alpaca-format training file beside it.
 */
export function writeMmluFolder(root: string, o: { dev?: number; val?: number; test?: number; train?: number; seed?: number } = {}): { mmlu: string; train: string } {
  const rand = mulberry32(o.seed ?? 17);
  const q = (i: number) => {
    const a = Math.floor(rand() * 9), b = Math.floor(rand() * 9);
    const right = a + b;
    const opts = [right, right + 1, right + 2, right + 3].sort(() => rand() - 0.5);
    return [`"What is ${a} + ${b}, in digits?"`, ...opts.map((x) => (i % 3 === 0 ? `"${x}, exactly"` : String(x))), 'ABCD'[opts.indexOf(right)]!];
  };
  const mmlu = path.join(root, 'mmlu');
  for (const [split, n] of [['dev', o.dev ?? 5], ['val', o.val ?? 3], ['test', o.test ?? 4]] as const) {
    fs.mkdirSync(path.join(mmlu, split), { recursive: true });
    for (const subject of ['abstract_algebra', 'elementary_mathematics']) {
      fs.writeFileSync(path.join(mmlu, split, `${subject}_${split}.csv`), Array.from({ length: n }, (_, i) => q(i).join(',')).join('\n') + '\n');
    }
  }
  const train = path.join(root, 'alpaca_data.json');
  fs.writeFileSync(train, JSON.stringify(Array.from({ length: o.train ?? 40 }, (_, i) => ({ instruction: `Add ${i} and ${i + 1}.`, input: '', output: String(2 * i + 1) })), null, 2));
  return { mmlu, train };
}
