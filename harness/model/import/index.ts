// Import of local Hugging Face checkpoints (GPT-2, BERT/RoBERTa, LLaMA-family safetensors) as ftbench bases: config.json →
// ModelConfig, tokenizer.json → Tokenizer, weights renamed (and transposed, split, permuted) to ftbench's names.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { hashOf } from '../../../core/hash.js';
import { cacheDir } from '../../../core/paths.js';
import type { ModelConfig } from '../config.js';
import { Model } from '../model.js';
import { writeSafetensorsLazy, type StDtype } from '../safetensors-file.js';
import { loadHfTokenizer, type HfTokenizer } from '../../../text/hf.js';
import { CheckpointReader, filesHash, readConfig, weightFiles, type HfConfig, type Mapped } from './files.js';
import { gpt2Config, gpt2Weights } from './gpt2.js';
import { bertConfig, bertWeights } from './bert.js';
import { llamaConfig, llamaWeights } from './llama.js';
import { readBaseInfo } from '../../zoo/base-info.js';

/** Bump when a mapping changes, so cached imports are redone. */
const IMPORT_VERSION = 3; // 3: grouped-query attention kept (k/v [d, kvH·hd]); written in the checkpoint's dtype

/** A model entry in a suite that points at a local Hugging Face checkpoint folder. */
export const hfModelSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case letters, digits and dashes'),
    format: z.literal('hf'),
    /** Folder with config.json, tokenizer.json and model.safetensors (or its shards). */
    path: z.string().min(1),
  })
  .strict();

export type HfModelEntry = z.infer<typeof hfModelSchema>;

const ARCH: Record<string, 'gpt2' | 'bert' | 'llama'> = { gpt2: 'gpt2', bert: 'bert', roberta: 'bert', 'xlm-roberta': 'bert', camembert: 'bert', llama: 'llama', mistral: 'llama', qwen2: 'llama' };

export interface Opened {
  arch: 'gpt2' | 'bert' | 'llama';
  config: ModelConfig;
  tokenizer: HfTokenizer;
  /** Every parameter the checkpoint defines, by ftbench name, each read from disk when called (the caller disposes). */
  params: Mapped;
  /** The dtype the checkpoint stores its weights in (bf16 and f16 are widened to fp32 per tensor as they are read). */
  dtype: StDtype;
  /** Sentences on what was not in the checkpoint or is mapped approximately; shown with the base. */
  notes: string[];
}

/** The ModelConfig a checkpoint folder defines, from config.json and tokenizer.json alone (no weight file is opened). */
export function hfModelConfig(dir: string): ModelConfig {
  return hfConfigAndTokenizer(dir).config;
}

/** The config and tokenizer of a checkpoint folder (no weight file is opened): what a plan needs before any load. */
export function hfConfigAndTokenizer(dir: string): { config: ModelConfig; tokenizer: HfTokenizer } {
  const c: HfConfig = readConfig(dir);
  const arch = ARCH[c.model_type];
  if (!arch) throw new Error(`${path.join(dir, 'config.json')} has model_type "${c.model_type}"; ftbench imports ${Object.keys(ARCH).join(', ')}.`);
  const tokenizer = loadHfTokenizer(dir, c.vocab_size);
  return { config: arch === 'gpt2' ? gpt2Config(c, tokenizer) : arch === 'bert' ? bertConfig(c, tokenizer) : llamaConfig(c, tokenizer), tokenizer };
}

/** Reads a checkpoint folder's config, tokenizer and tensor headers; weights stay on disk until a parameter is asked for. */
export function openHf(dir: string): Opened {
  const c: HfConfig = readConfig(dir);
  const arch = ARCH[c.model_type];
  if (!arch) throw new Error(`${path.join(dir, 'config.json')} has model_type "${c.model_type}"; ftbench imports ${Object.keys(ARCH).join(', ')}.`);
  const tokenizer = loadHfTokenizer(dir, c.vocab_size);
  const config = arch === 'gpt2' ? gpt2Config(c, tokenizer) : arch === 'bert' ? bertConfig(c, tokenizer) : llamaConfig(c, tokenizer);
  const w = new CheckpointReader(weightFiles(dir));
  const params = arch === 'gpt2' ? gpt2Weights(w, config, tokenizer, dir) : arch === 'bert' ? bertWeights(w, config, c, tokenizer, dir) : llamaWeights(w, config, tokenizer, dir);
  const notes: string[] = [];
  if (family(config) === 'encoder' && !params['lm_head.dense.weight']) notes.push('the checkpoint has no masked-LM head, so lm_head.* start from a random init (only held-out perplexity uses them)');
  if (tokenizer.vocabSize > (c.vocab_size ?? 0)) notes.push(`${tokenizer.vocabSize - c.vocab_size} special roles share a checkpoint token and have copied embedding rows (see text/hf.ts)`);
  if (arch === 'llama' && c.tie_word_embeddings && !w.has('lm_head.weight')) notes.push('the tied LM head is held as its own copy of the embedding table (ftbench\'s decoder has an untied head)');
  if (arch === 'bert' && c.model_type === 'bert') notes.push('token-type embedding 0 is added to every position, so second segments of pairs get type 0, not BERT\'s type 1');
  return { arch, config, tokenizer, params, dtype: w.commonDtype(), notes };
}
const family = (c: ModelConfig) => c.family;

export interface Imported extends Omit<Opened, 'params'> {
  /** Every parameter of the model, by ftbench name. */
  state: Record<string, tf.Tensor>;
}

/** Reads and maps a whole (small) checkpoint into memory; the caller owns (and disposes) `state`. */
export function importHf(dir: string): Imported {
  const { params, ...rest } = openHf(dir);
  const state: Record<string, tf.Tensor> = {};
  // A model built from the mapped tensors checks every name and shape; a missing MLM head gets the model's init.
  const fresh = new Model(rest.config, 0, { source: (name) => (params[name] ? params[name]() : missing(name, dir, rest.arch)) });
  for (const [name, v] of fresh.params) state[name] = tf.clone(v);
  fresh.dispose();
  return { ...rest, state };
}

/** Only a missing MLM head is tolerated (BertModel/RobertaModel exports): it gets the usual init. */
export function missing(name: string, dir: string, arch: string): undefined {
  if (!name.startsWith('lm_head.')) throw new Error(`Importing ${dir} left "${name}" unset; this is a bug in the ${arch} mapping.`);
  return undefined;
}

export interface ImportedBaseInfo {
  id: string;
  config: ModelConfig;
  checkpoint: string;
  checkpointHash: string;
  pretrain: { steps: number; seconds: number; finalLoss: number; heldOutLoss: number; heldOutPerplexity: number };
  imported: { from: string; arch: string; notes: string[] };
}

/** Where the converted checkpoint of a folder is cached, keyed by the content of the files that define it. */
export function importedPaths(e: HfModelEntry): { weights: string; info: string; key: string } {
  const c = readConfig(e.path);
  const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json'].map((f) => path.join(e.path, f));
  const key = hashOf({ files: filesHash([...files, ...weightFiles(e.path)]), v: IMPORT_VERSION, type: c.model_type });
  const dir = cacheDir('models');
  return { weights: path.join(dir, `hf-${e.id}-${key}.safetensors`), info: path.join(dir, `hf-${e.id}-${key}.json`), key };
}

/** Converts the folder once (cached like pretrained bases) and returns the base's description and tokenizer. */
export async function importHfInfo(e: HfModelEntry): Promise<{ info: ImportedBaseInfo; tokenizer: HfTokenizer }> {
  const f = importedPaths(e);
  if (fs.existsSync(f.weights) && fs.existsSync(f.info)) {
    const info = readBaseInfo(f.info) as ImportedBaseInfo;
    return { info: { ...info, checkpoint: f.weights }, tokenizer: loadHfTokenizer(e.path, readConfig(e.path).vocab_size) };
  }
  const started = Date.now();
  const imp = openHf(e.path);
  const tmp = `${f.weights}.${process.pid}.tmp`;
  // Tensor by tensor, in the checkpoint's own dtype (bf16 values survive transposes and row permutations exactly).
  const dtype = imp.dtype === 'I32' ? 'F32' : imp.dtype;
  writeSafetensorsLazy(tmp, Object.entries(imp.params).map(([name, read]) => materialized(name, read)), dtype, { imported_from: path.resolve(e.path), arch: imp.arch, key: f.key });
  const info: ImportedBaseInfo = {
    id: e.id,
    config: imp.config,
    checkpoint: f.weights,
    checkpointHash: f.key,
    // Not pretrained here: no cost but the conversion; held-out perplexity is measured by the sweep on the same corpus.
    pretrain: { steps: 0, seconds: (Date.now() - started) / 1000, finalLoss: NaN, heldOutLoss: NaN, heldOutPerplexity: NaN },
    imported: { from: path.resolve(e.path), arch: imp.arch, notes: imp.notes },
  };
  fs.writeFileSync(`${f.info}.${process.pid}.tmp`, JSON.stringify(info, null, 1));
  fs.renameSync(tmp, f.weights);
  fs.renameSync(`${f.info}.${process.pid}.tmp`, f.info);
  return { info, tokenizer: imp.tokenizer };
}

/** A parameter for the lazy writer: read, its values taken, the tensor dropped. */
function materialized(name: string, read: () => tf.Tensor): { name: string; read(): { shape: number[]; values: Float32Array } } {
  return {
    name,
    read() {
      const t = read();
      const values = t.dataSync() as Float32Array;
      t.dispose();
      return { shape: t.shape, values };
    },
  };
}
