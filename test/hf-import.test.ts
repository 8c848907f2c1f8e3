// Import of Hugging Face checkpoints: the test writes GPT-2, BERT, RoBERTa and LLaMA (GQA) checkpoints in their exact
// layouts (tensor names, nn.Linear [out, in] vs Conv1D [in, out] shapes, config.json, tokenizer.json) with small random
// weights, imports them, and compares the forward pass with a reference written here in plain Float64 from the
// Hugging Face modelling code's equations, independently of harness/model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { techniques } from '../techniques/index.js';
import { saveSafetensors } from '../harness/model/safetensors.js';
import { importHf } from '../harness/model/import/index.js';
import { Model } from '../harness/model/model.js';
import { CLS, SEP } from '../text/special.js';
import { bertTokenizerJson, gpt2TokenizerJson, llamaTokenizerJson } from './hf-fixtures.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-hfimport-'));
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));

// ---------- plain Float64 math (row-major matrices) ----------
type M = { r: number; c: number; a: Float64Array; vector?: boolean };
const mat = (r: number, c: number, a = new Float64Array(r * c)): M => ({ r, c, a });
let seed = 12345;
function randn(): number {
  const u = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) + 1) / 2147483649;
  return Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}
const rand = (r: number, c: number, std = 0.3): M => mat(r, c, Float64Array.from({ length: r * c }, () => randn() * std));
const at = (m: M, i: number, j: number) => m.a[i * m.c + j];
const row = (m: M, i: number) => m.a.subarray(i * m.c, (i + 1) * m.c);
function mm(x: M, w: M, transposeW = false): M {
  const [n, k] = [x.r, x.c];
  const out = mat(n, transposeW ? w.r : w.c);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < out.c; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += at(x, i, t) * (transposeW ? at(w, j, t) : at(w, t, j));
      out.a[i * out.c + j] = s;
    }
  return out;
}
/** nn.Linear: y = x Wᵀ + b with W [out, in]. */
const linear = (x: M, w: M, b?: M) => addRow(mm(x, w, true), b);
/** Conv1D (GPT-2): y = x W + b with W [in, out]. */
const conv1d = (x: M, w: M, b: M) => addRow(mm(x, w), b);
function addRow(x: M, b?: M): M {
  if (!b) return x;
  return mat(x.r, x.c, x.a.map((v, i) => v + b.a[i % x.c]));
}
const add = (x: M, y: M) => mat(x.r, x.c, x.a.map((v, i) => v + y.a[i]));
const map = (x: M, f: (v: number) => number) => mat(x.r, x.c, x.a.map(f));
function layerNorm(x: M, g: M, b: M, eps: number): M {
  const out = mat(x.r, x.c);
  for (let i = 0; i < x.r; i++) {
    const v = row(x, i);
    const mean = v.reduce((s, y) => s + y, 0) / x.c;
    const varc = v.reduce((s, y) => s + (y - mean) ** 2, 0) / x.c;
    for (let j = 0; j < x.c; j++) out.a[i * x.c + j] = ((v[j] - mean) / Math.sqrt(varc + eps)) * g.a[j] + b.a[j];
  }
  return out;
}
function rmsNorm(x: M, g: M, eps: number): M {
  const out = mat(x.r, x.c);
  for (let i = 0; i < x.r; i++) {
    const v = row(x, i);
    const ms = v.reduce((s, y) => s + y * y, 0) / x.c;
    for (let j = 0; j < x.c; j++) out.a[i * x.c + j] = (v[j] / Math.sqrt(ms + eps)) * g.a[j];
  }
  return out;
}
/** erf by its Maclaurin series (|x| ≤ 3 here, terms until negligible): exact to ~1e-15. */
function erf(x: number): number {
  if (Math.abs(x) > 5) return Math.sign(x);
  let term = x, sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const geluErf = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
const geluTanh = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
const silu = (v: number) => v / (1 + Math.exp(-v));
function cols(x: M, from: number, n: number): M {
  const out = mat(x.r, n);
  for (let i = 0; i < x.r; i++) for (let j = 0; j < n; j++) out.a[i * n + j] = at(x, i, from + j);
  return out;
}
/** Multi-head attention over T positions; q/k/v [T, H·hd]; kv head of query head h is h / (H / kvH) (repeat_kv). */
function attend(q: M, k: M, v: M, H: number, kvH: number, causal: boolean): M {
  const T = q.r;
  const hd = q.c / H;
  const out = mat(T, q.c);
  for (let h = 0; h < H; h++) {
    const kh = Math.floor(h / (H / kvH));
    for (let t = 0; t < T; t++) {
      const s: number[] = [];
      for (let u = 0; u < T; u++) {
        let dot = 0;
        for (let j = 0; j < hd; j++) dot += at(q, t, h * hd + j) * at(k, u, kh * hd + j);
        s.push(causal && u > t ? -Infinity : dot / Math.sqrt(hd));
      }
      const mx = Math.max(...s);
      const e = s.map((x) => Math.exp(x - mx));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < hd; j++) out.a[t * q.c + h * hd + j] = e.reduce((acc, p, u) => acc + (p / z) * at(v, u, kh * hd + j), 0);
    }
  }
  return out;
}
/** HF LLaMA's apply_rotary_pos_emb: x·cos + rotate_half(x)·sin, inv_freq = θ^(-2i/hd), halves duplicated. */
function rope(x: M, nHeads: number, theta: number): M {
  const hd = x.c / nHeads;
  const out = mat(x.r, x.c);
  for (let t = 0; t < x.r; t++)
    for (let h = 0; h < nHeads; h++)
      for (let j = 0; j < hd; j++) {
        const i = j % (hd / 2);
        const ang = t * Math.pow(theta, (-2 * i) / hd);
        const xj = at(x, t, h * hd + j);
        const rot = j < hd / 2 ? -at(x, t, h * hd + j + hd / 2) : at(x, t, h * hd + j - hd / 2);
        out.a[t * x.c + h * hd + j] = xj * Math.cos(ang) + rot * Math.sin(ang);
      }
  return out;
}
const gatherRows = (e: M, ids: number[]) => mat(ids.length, e.c, Float64Array.from(ids.flatMap((i) => Array.from(row(e, i)))));

// ---------- writing checkpoints ----------
async function writeCheckpoint(name: string, config: object, tokenizer: object, weights: Record<string, M | number[]>, shards = 1): Promise<string> {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  const tensors = Object.fromEntries(
    Object.entries(weights).map(([n, m]) => [n, Array.isArray(m) ? tf.tensor(m) : m.vector ? tf.tensor1d(Float32Array.from(m.a)) : tf.tensor2d(Float32Array.from(m.a), [m.r, m.c])]),
  );
  const names = Object.keys(tensors).sort();
  if (shards === 1) await saveSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  else {
    const map: Record<string, string> = {};
    for (let s = 0; s < shards; s++) {
      const file = `model-0000${s + 1}-of-0000${shards}.safetensors`;
      const part = names.filter((_, i) => i % shards === s);
      for (const n of part) map[n] = file;
      await saveSafetensors(path.join(dir, file), Object.fromEntries(part.map((n) => [n, tensors[n]])), { format: 'pt' });
    }
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: map }));
  }
  tf.dispose(Object.values(tensors));
  return dir;
}
const vec = (n: number, std = 0.3, mean = 0): M => ({ ...map(rand(1, n, std), (v) => v + mean), vector: true });

/** Imports, runs our model on `ours` ids, returns max |Δ| of hidden states and of LM logits at the checkpoint's ids. */
async function compare(dir: string, ids: (tok: ReturnType<typeof importHf>['tokenizer']) => number[], reference: (hfIds: number[]) => { hidden: M; logits: M }) {
  const imp = importHf(dir);
  const model = new Model(imp.config, 0);
  model.load(imp.state, { strict: true });
  tf.dispose(Object.values(imp.state));
  const ours = ids(imp.tokenizer);
  const hfIds = ours.map((i) => imp.tokenizer.toHf[i]);
  const ref = reference(hfIds);
  const T = ours.length;
  const [h, logits] = tf.tidy(() => {
    const hh = model.hidden(tf.tensor2d([ours], [1, T], 'int32'), tf.ones([1, T]) as tf.Tensor2D);
    const flat = tf.reshape(hh, [T, -1]) as tf.Tensor2D;
    return [flat, tf.gather(model.lmLogits(flat), tf.tensor1d(imp.tokenizer.toOurs, 'int32'), 1)]; // columns in checkpoint order
  });
  const hd = await h.data();
  const ld = await logits.data();
  tf.dispose([h, logits]);
  model.dispose();
  const maxDiff = (a: ArrayLike<number>, b: Float64Array) => Math.max(...Array.from(b, (v, i) => Math.abs(v - a[i])));
  assert.equal(hd.length, ref.hidden.a.length);
  assert.equal(ld.length, ref.logits.a.length);
  return { imp, hidden: maxDiff(hd, ref.hidden.a), logits: maxDiff(ld, ref.logits.a), scale: Math.max(...Array.from(ref.logits.a, Math.abs)) };
}

test('GPT-2: Conv1D [in,out] weights, fused c_attn split, learned positions, pre-LN, tied head', async () => {
  const { json, vocab } = gpt2TokenizerJson();
  const V = vocab.size;
  const [d, L, H, P] = [16, 2, 2, 32];
  const w: Record<string, M> = { 'transformer.wte.weight': rand(V, d), 'transformer.wpe.weight': rand(P, d, 0.1), 'transformer.ln_f.weight': vec(d, 0.1, 1), 'transformer.ln_f.bias': vec(d, 0.1) };
  for (let i = 0; i < L; i++) {
    const p = `transformer.h.${i}.`;
    Object.assign(w, {
      [`${p}ln_1.weight`]: vec(d, 0.1, 1), [`${p}ln_1.bias`]: vec(d, 0.1),
      [`${p}attn.c_attn.weight`]: rand(d, 3 * d), [`${p}attn.c_attn.bias`]: vec(3 * d, 0.1),
      [`${p}attn.c_proj.weight`]: rand(d, d), [`${p}attn.c_proj.bias`]: vec(d, 0.1),
      [`${p}ln_2.weight`]: vec(d, 0.1, 1), [`${p}ln_2.bias`]: vec(d, 0.1),
      [`${p}mlp.c_fc.weight`]: rand(d, 4 * d), [`${p}mlp.c_fc.bias`]: vec(4 * d, 0.1),
      [`${p}mlp.c_proj.weight`]: rand(4 * d, d), [`${p}mlp.c_proj.bias`]: vec(d, 0.1),
    });
  }
  const config = { model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: V, n_embd: d, n_layer: L, n_head: H, n_positions: P, n_inner: null, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, bos_token_id: V - 1, eos_token_id: V - 1 };
  const dir = await writeCheckpoint('gpt2', config, json, w);
  const r = await compare(
    dir,
    (tok) => [CLS, ...tok.encode('Hello world the é'), SEP],
    (ids) => {
      const g = (n: string) => w[`transformer.${n}`];
      let x = add(gatherRows(g('wte.weight'), ids), gatherRows(g('wpe.weight'), ids.map((_, t) => t)));
      for (let i = 0; i < L; i++) {
        const p = `h.${i}.`;
        const a = layerNorm(x, g(`${p}ln_1.weight`), g(`${p}ln_1.bias`), 1e-5);
        const qkv = conv1d(a, g(`${p}attn.c_attn.weight`), g(`${p}attn.c_attn.bias`));
        const att = attend(cols(qkv, 0, d), cols(qkv, d, d), cols(qkv, 2 * d, d), H, H, true);
        x = add(x, conv1d(att, g(`${p}attn.c_proj.weight`), g(`${p}attn.c_proj.bias`)));
        const m = layerNorm(x, g(`${p}ln_2.weight`), g(`${p}ln_2.bias`), 1e-5);
        x = add(x, conv1d(map(conv1d(m, g(`${p}mlp.c_fc.weight`), g(`${p}mlp.c_fc.bias`)), geluTanh), g(`${p}mlp.c_proj.weight`), g(`${p}mlp.c_proj.bias`)));
      }
      const hidden = layerNorm(x, g('ln_f.weight'), g('ln_f.bias'), 1e-5);
      return { hidden, logits: mm(hidden, g('wte.weight'), true) };
    },
  );
  console.log(`GPT-2 import: max |Δ| hidden ${r.hidden.toExponential(2)}, logits ${r.logits.toExponential(2)} (logits up to ${r.scale.toFixed(1)})`);
  assert.equal(r.imp.config.family, 'gpt2');
  assert.ok(r.hidden < 1e-4 && r.logits < 1e-4, `hidden ${r.hidden}, logits ${r.logits}`);
});

function bertWeights(prefix: string, V: number, d: number, L: number, dFF: number, P: number, types: number, mlm: { dense: string; norm: string; bias: string } | null) {
  const w: Record<string, M> = {
    [`${prefix}embeddings.word_embeddings.weight`]: rand(V, d),
    [`${prefix}embeddings.position_embeddings.weight`]: rand(P, d, 0.1),
    [`${prefix}embeddings.token_type_embeddings.weight`]: rand(types, d, 0.1),
    [`${prefix}embeddings.LayerNorm.weight`]: vec(d, 0.1, 1),
    [`${prefix}embeddings.LayerNorm.bias`]: vec(d, 0.1),
  };
  for (let i = 0; i < L; i++) {
    const p = `${prefix}encoder.layer.${i}.`;
    for (const n of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']) Object.assign(w, { [`${p}${n}.weight`]: rand(d, d), [`${p}${n}.bias`]: vec(d, 0.1) });
    Object.assign(w, {
      [`${p}attention.output.LayerNorm.weight`]: vec(d, 0.1, 1), [`${p}attention.output.LayerNorm.bias`]: vec(d, 0.1),
      [`${p}intermediate.dense.weight`]: rand(dFF, d), [`${p}intermediate.dense.bias`]: vec(dFF, 0.1),
      [`${p}output.dense.weight`]: rand(d, dFF), [`${p}output.dense.bias`]: vec(d, 0.1),
      [`${p}output.LayerNorm.weight`]: vec(d, 0.1, 1), [`${p}output.LayerNorm.bias`]: vec(d, 0.1),
    });
  }
  if (mlm) Object.assign(w, { [`${mlm.dense}.weight`]: rand(d, d), [`${mlm.dense}.bias`]: vec(d, 0.1), [`${mlm.norm}.weight`]: vec(d, 0.1, 1), [`${mlm.norm}.bias`]: vec(d, 0.1), [mlm.bias]: vec(V, 0.1) });
  return w;
}

/** BertModel/RobertaModel + the MLM head, as in modeling_bert.py: post-LN blocks, exact GELU, tied decoder. */
function bertReference(w: Record<string, M>, prefix: string, ids: number[], L: number, H: number, posOffset: number, mlm: { dense: string; norm: string; bias: string }, eps: number) {
  const g = (n: string) => w[`${prefix}${n}`];
  const d = g('embeddings.word_embeddings.weight').c;
  const typeRow = gatherRows(g('embeddings.token_type_embeddings.weight'), ids.map(() => 0));
  let x = add(add(gatherRows(g('embeddings.word_embeddings.weight'), ids), gatherRows(g('embeddings.position_embeddings.weight'), ids.map((_, t) => t + posOffset))), typeRow);
  x = layerNorm(x, g('embeddings.LayerNorm.weight'), g('embeddings.LayerNorm.bias'), eps);
  for (let i = 0; i < L; i++) {
    const p = `encoder.layer.${i}.`;
    const lin = (n: string, y: M) => linear(y, g(`${p}${n}.weight`), g(`${p}${n}.bias`));
    const att = attend(lin('attention.self.query', x), lin('attention.self.key', x), lin('attention.self.value', x), H, H, false);
    x = layerNorm(add(x, lin('attention.output.dense', att)), g(`${p}attention.output.LayerNorm.weight`), g(`${p}attention.output.LayerNorm.bias`), eps);
    x = layerNorm(add(x, lin('output.dense', map(lin('intermediate.dense', x), geluErf))), g(`${p}output.LayerNorm.weight`), g(`${p}output.LayerNorm.bias`), eps);
  }
  const z = layerNorm(map(linear(x, w[`${mlm.dense}.weight`], w[`${mlm.dense}.bias`]), geluErf), w[`${mlm.norm}.weight`], w[`${mlm.norm}.bias`], eps);
  void d;
  return { hidden: x, logits: addRow(mm(z, g('embeddings.word_embeddings.weight'), true), w[mlm.bias]) };
}

test('BERT: nn.Linear [out,in] transposed, token type 0 folded into positions, exact GELU, MLM head, specials permuted', async () => {
  const { json, vocab } = bertTokenizerJson();
  const [V, d, L, H, dFF, P] = [vocab.size, 16, 2, 2, 32, 24];
  const mlm = { dense: 'cls.predictions.transform.dense', norm: 'cls.predictions.transform.LayerNorm', bias: 'cls.predictions.bias' };
  const w = bertWeights('bert.', V, d, L, dFF, P, 2, mlm);
  const config = { model_type: 'bert', architectures: ['BertForMaskedLM'], vocab_size: V, hidden_size: d, num_hidden_layers: L, num_attention_heads: H, intermediate_size: dFF, hidden_act: 'gelu', max_position_embeddings: P, type_vocab_size: 2, layer_norm_eps: 1e-12, pad_token_id: 0, position_embedding_type: 'absolute' };
  const dir = await writeCheckpoint('bert', config, json, w, 2); // sharded, with model.safetensors.index.json
  const r = await compare(dir, (tok) => [CLS, ...tok.encode('Hello, unaffable world!'), SEP], (ids) => bertReference(w, 'bert.', ids, L, H, 0, mlm, 1e-12));
  console.log(`BERT import: max |Δ| hidden ${r.hidden.toExponential(2)}, logits ${r.logits.toExponential(2)} (logits up to ${r.scale.toFixed(1)})`);
  assert.equal(r.imp.config.act, 'gelu-erf');
  assert.ok(r.hidden < 1e-4 && r.logits < 1e-4, `hidden ${r.hidden}, logits ${r.logits}`);
  assert.ok(r.imp.notes.some((n) => /token-type embedding 0/.test(n)));
});

test('RoBERTa: positions from padding_idx + 1, one token type, lm_head; a BertModel export without MLM head still imports', async () => {
  const { json, vocab } = bertTokenizerJson();
  const [V, d, L, H, dFF, P] = [vocab.size, 16, 1, 4, 32, 20];
  const mlm = { dense: 'lm_head.dense', norm: 'lm_head.layer_norm', bias: 'lm_head.bias' };
  const w = bertWeights('roberta.', V, d, L, dFF, P, 1, mlm);
  const config = { model_type: 'roberta', vocab_size: V, hidden_size: d, num_hidden_layers: L, num_attention_heads: H, intermediate_size: dFF, hidden_act: 'gelu', max_position_embeddings: P, type_vocab_size: 1, layer_norm_eps: 1e-5, pad_token_id: 1 };
  const dir = await writeCheckpoint('roberta', config, json, w);
  const r = await compare(dir, (tok) => [CLS, ...tok.encode('hello world'), SEP], (ids) => bertReference(w, 'roberta.', ids, L, H, 2, mlm, 1e-5));
  console.log(`RoBERTa import: max |Δ| hidden ${r.hidden.toExponential(2)}, logits ${r.logits.toExponential(2)}`);
  assert.equal(r.imp.config.maxLen, P - 2);
  assert.ok(r.hidden < 1e-4 && r.logits < 1e-4, `hidden ${r.hidden}, logits ${r.logits}`);

  const bare = bertWeights('', V, d, L, dFF, 24, 2, null);
  const dir2 = await writeCheckpoint('bert-bare', { ...config, model_type: 'bert', max_position_embeddings: 24, type_vocab_size: 2, layer_norm_eps: 1e-12 }, json, bare);
  const imp = importHf(dir2);
  assert.ok(imp.notes.some((n) => /no masked-LM head/.test(n)));
  tf.dispose(Object.values(imp.state));
});

test('LLaMA: rotate-half RoPE loads q/k without permutation, GQA kept (k/v of kvH heads), RMSNorm, SwiGLU, untied head', async () => {
  const { json, vocab } = llamaTokenizerJson();
  const [V, d, L, H, kvH, dFF] = [vocab.size, 16, 2, 4, 2, 24];
  const hd = d / H;
  const w: Record<string, M> = { 'model.embed_tokens.weight': rand(V, d), 'model.norm.weight': vec(d, 0.1, 1), 'lm_head.weight': rand(V, d) };
  for (let i = 0; i < L; i++) {
    const p = `model.layers.${i}.`;
    Object.assign(w, {
      [`${p}input_layernorm.weight`]: vec(d, 0.1, 1), [`${p}post_attention_layernorm.weight`]: vec(d, 0.1, 1),
      [`${p}self_attn.q_proj.weight`]: rand(d, d), [`${p}self_attn.k_proj.weight`]: rand(kvH * hd, d),
      [`${p}self_attn.v_proj.weight`]: rand(kvH * hd, d), [`${p}self_attn.o_proj.weight`]: rand(d, d),
      [`${p}mlp.gate_proj.weight`]: rand(dFF, d), [`${p}mlp.up_proj.weight`]: rand(dFF, d), [`${p}mlp.down_proj.weight`]: rand(d, dFF),
    });
  }
  const theta = 500;
  const config = { model_type: 'llama', vocab_size: V, hidden_size: d, intermediate_size: dFF, num_hidden_layers: L, num_attention_heads: H, num_key_value_heads: kvH, hidden_act: 'silu', max_position_embeddings: 64, rms_norm_eps: 1e-6, rope_theta: theta, tie_word_embeddings: false, attention_bias: false, bos_token_id: 1, eos_token_id: 2 };
  const reference = (weights: Record<string, M>) => (ids: number[]) => {
    const g = (n: string) => weights[n];
    let x = gatherRows(g('model.embed_tokens.weight'), ids);
    for (let i = 0; i < L; i++) {
      const p = `model.layers.${i}.`;
      const a = rmsNorm(x, g(`${p}input_layernorm.weight`), 1e-6);
      // Qwen2 adds biases to q/k/v (absent in LLaMA, so g gives undefined and linear adds none).
      const q = rope(linear(a, g(`${p}self_attn.q_proj.weight`), g(`${p}self_attn.q_proj.bias`)), H, theta);
      const k = rope(linear(a, g(`${p}self_attn.k_proj.weight`), g(`${p}self_attn.k_proj.bias`)), kvH, theta);
      const att = attend(q, k, linear(a, g(`${p}self_attn.v_proj.weight`), g(`${p}self_attn.v_proj.bias`)), H, kvH, true);
      x = add(x, linear(att, g(`${p}self_attn.o_proj.weight`)));
      const m = rmsNorm(x, g(`${p}post_attention_layernorm.weight`), 1e-6);
      const gate = map(linear(m, g(`${p}mlp.gate_proj.weight`)), silu);
      const up = linear(m, g(`${p}mlp.up_proj.weight`));
      x = add(x, linear(mat(gate.r, gate.c, gate.a.map((v, j) => v * up.a[j])), g(`${p}mlp.down_proj.weight`)));
    }
    const hidden = rmsNorm(x, g('model.norm.weight'), 1e-6);
    return { hidden, logits: linear(hidden, g('lm_head.weight') ?? g('model.embed_tokens.weight')) };
  };
  const dir = await writeCheckpoint('llama', config, json, w);
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' }));
  const ids = (tok: ReturnType<typeof importHf>['tokenizer']) => [CLS, ...tok.encode('hello world hello!'), SEP];
  const r = await compare(dir, ids, reference(w));
  console.log(`LLaMA import (GQA ${H}/${kvH}): max |Δ| hidden ${r.hidden.toExponential(2)}, logits ${r.logits.toExponential(2)}`);
  assert.ok(r.hidden < 1e-4 && r.logits < 1e-4, `hidden ${r.hidden}, logits ${r.logits}`);
  assert.equal(r.imp.config.nKvHeads, kvH);
  assert.deepEqual(r.imp.state['layers.0.attn.k.weight'].shape, [d, kvH * hd]);

  // The check can tell layouts apart: Meta's interleaved q/k (what HF's conversion script permutes away) does not match.
  const interleave = (m: M, heads: number) => {
    const out = mat(m.r, m.c);
    for (let h = 0; h < heads; h++)
      for (let j = 0; j < hd / 2; j++)
        for (let k = 0; k < 2; k++) out.a.set(row(m, h * hd + k * (hd / 2) + j), (h * hd + j * 2 + k) * m.c);
    return out;
  };
  const meta = { ...w };
  for (let i = 0; i < L; i++) {
    meta[`model.layers.${i}.self_attn.q_proj.weight`] = interleave(w[`model.layers.${i}.self_attn.q_proj.weight`], H);
    meta[`model.layers.${i}.self_attn.k_proj.weight`] = interleave(w[`model.layers.${i}.self_attn.k_proj.weight`], kvH);
  }
  const metaDir = await writeCheckpoint('llama-meta-layout', config, json, meta);
  const wrong = await compare(metaDir, ids, reference(w));
  console.log(`LLaMA with Meta's interleaved q/k loaded unpermuted: max |Δ| hidden ${wrong.hidden.toExponential(2)}`);
  assert.ok(wrong.hidden > 1e-2, 'the comparison is sensitive to the RoPE layout');

  // Qwen2: the same layout plus q/k/v biases, and tied embeddings (no lm_head tensor).
  const qwen: Record<string, M> = { ...w };
  delete qwen['lm_head.weight'];
  for (let i = 0; i < L; i++) for (const x of ['q', 'k', 'v']) qwen[`model.layers.${i}.self_attn.${x}_proj.bias`] = vec(x === 'q' ? d : kvH * hd, 0.5);
  const qwenDir = await writeCheckpoint('qwen2', { ...config, model_type: 'qwen2', tie_word_embeddings: true, use_sliding_window: false }, json, qwen);
  fs.writeFileSync(path.join(qwenDir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' }));
  const q = await compare(qwenDir, ids, reference(qwen));
  console.log(`Qwen2 import (q/k/v biases, tied head): max |Δ| hidden ${q.hidden.toExponential(2)}, logits ${q.logits.toExponential(2)}`);
  assert.ok(q.hidden < 1e-4 && q.logits < 1e-4, `hidden ${q.hidden}, logits ${q.logits}`);
  assert.equal(q.imp.config.qkvBias, true);
  assert.ok(q.imp.notes.some((n) => /tied LM head/.test(n)));
});

test('import errors: unknown model_type, missing tensor, missing weights file — one sentence each', async () => {
  const { json } = gpt2TokenizerJson();
  const dir = await writeCheckpoint('bad', { model_type: 't5' }, json, { 'x.weight': rand(2, 2) });
  assert.throws(() => importHf(dir), /model_type "t5"; ftbench imports gpt2, bert/);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', vocab_size: 269, n_embd: 4, n_layer: 1, n_head: 2, n_positions: 8 }));
  assert.throws(() => importHf(dir), /has no tensor "transformer\.wte\.weight"|has no tensor "wte\.weight"/);
  fs.rmSync(path.join(dir, 'model.safetensors'));
  assert.throws(() => importHf(dir), /has no model\.safetensors/);
});

test('suite: models: [{ id: my-gpt2, format: hf, path: ./gpt2 }] runs LoRA and full FT on a CSV task end to end', async () => {
  const { json, vocab } = gpt2TokenizerJson();
  const [V, d, L, H, P] = [vocab.size, 16, 1, 2, 64];
  const w: Record<string, M> = { 'wte.weight': rand(V, d, 0.1), 'wpe.weight': rand(P, d, 0.05), 'ln_f.weight': vec(d, 0, 1), 'ln_f.bias': vec(d, 0) };
  Object.assign(w, {
    'h.0.ln_1.weight': vec(d, 0, 1), 'h.0.ln_1.bias': vec(d, 0), 'h.0.attn.c_attn.weight': rand(d, 3 * d, 0.1), 'h.0.attn.c_attn.bias': vec(3 * d, 0),
    'h.0.attn.c_proj.weight': rand(d, d, 0.1), 'h.0.attn.c_proj.bias': vec(d, 0), 'h.0.ln_2.weight': vec(d, 0, 1), 'h.0.ln_2.bias': vec(d, 0),
    'h.0.mlp.c_fc.weight': rand(d, 4 * d, 0.1), 'h.0.mlp.c_fc.bias': vec(4 * d, 0), 'h.0.mlp.c_proj.weight': rand(4 * d, d, 0.1), 'h.0.mlp.c_proj.bias': vec(d, 0),
  });
  // GPT2Model's own names (no "transformer." prefix), as in the published gpt2 repository's model.safetensors.
  await writeCheckpoint('suite/gpt2', { model_type: 'gpt2', vocab_size: V, n_embd: d, n_layer: L, n_head: H, n_positions: P, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5 }, json, w);
  const csv = 'text,label\n' + Array.from({ length: 40 }, (_, i) => `${i % 2 ? 'Hello world' : 'the the'} ${i},${i % 2}`).join('\n') + '\n';
  fs.writeFileSync(path.join(root, 'suite', 'data.csv'), csv);
  const file = path.join(root, 'suite', 'suite.yaml');
  fs.writeFileSync(file, `name: hf
models:
  - { id: my-gpt2, format: hf, path: ./gpt2 }
datasets:
  - { id: toy, format: csv, path: data.csv, task: classification }
techniques: [lora, full-ft]
budget: { steps: 2, batch_size: 4, lr: 1.0e-3, max_len: 16, eval_examples: 4 }
`);
  const { loadSuite } = await import('../harness/sweep/suite.js');
  const { runSweep } = await import('../harness/sweep/run.js');
  const { initBackend } = await import('../harness/backend/index.js');
  const { Store } = await import('../harness/store/index.js');
  const prevCache = process.env.FTBENCH_CACHE;
  process.env.FTBENCH_CACHE = path.join(root, 'cache'); // the conversion is cached: keep it out of the real cache
  try {
    const db = path.join(root, 'suite', 'r.duckdb');
    const summary = await runSweep(loadSuite(file), { db, backend: await initBackend(), techniques });
    assert.equal(summary.ran, 2);
    assert.equal(summary.failed, 0);
    const s = await Store.open(db, { readOnly: true });
    const rows = await s.query('SELECT model, dataset, technique, status FROM trials ORDER BY technique');
    await s.close();
    assert.deepEqual(rows, [
      { model: 'my-gpt2', dataset: 'toy', technique: 'full-ft', status: 'ok' },
      { model: 'my-gpt2', dataset: 'toy', technique: 'lora', status: 'ok' },
    ]);
    assert.ok(fs.readdirSync(path.join(root, 'cache', 'models')).some((f) => /^hf-my-gpt2-[0-9a-f]{16}\.safetensors$/.test(f)));
    // Run again: both trials are found stored from the folder's file hash, before anything is loaded or run.
    const again = await runSweep(loadSuite(file), { db, backend: await initBackend(), techniques });
    assert.deepEqual([again.skippedAsDone, again.ran], [2, 0]);
  } finally {
    if (prevCache === undefined) delete process.env.FTBENCH_CACHE;
    else process.env.FTBENCH_CACHE = prevCache;
  }
});
