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
import { saveSafetensors } from '../safetensors.js';
import { loadHfTokenizer, type HfTokenizer } from '../../../text/hf.js';
import { filesHash, readConfig, readWeights, weightFiles, type HfConfig } from './files.js';
import { gpt2Config, gpt2Weights } from './gpt2.js';
import { bertConfig, bertWeights } from './bert.js';
import { llamaConfig, llamaWeights } from './llama.js';
import { readBaseInfo } from '../../zoo/base-info.js';

/** Bump when a mapping changes, so cached imports are redone. */
const IMPORT_VERSION = 2; // 2: grouped-query attention kept (k/v [d, kvH·hd]) instead of expanded

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

export interface Imported {
  arch: 'gpt2' | 'bert' | 'llama';
  config: ModelConfig;
  tokenizer: HfTokenizer;
  /** Every parameter of the model, by ftbench name. */
  state: Record<string, tf.Tensor>;
  /** Sentences on what was not in the checkpoint or is mapped approximately; shown with the base. */
  notes: string[];
}

/** Reads and maps a checkpoint folder. The caller owns (and disposes) `state`. */
export function importHf(dir: string): Imported {
  const c: HfConfig = readConfig(dir);
  const arch = ARCH[c.model_type];
  if (!arch) throw new Error(`${path.join(dir, 'config.json')} has model_type "${c.model_type}"; ftbench imports ${Object.keys(ARCH).join(', ')}.`);
  const tokenizer = loadHfTokenizer(dir, c.vocab_size);
  const config = arch === 'gpt2' ? gpt2Config(c, tokenizer) : arch === 'bert' ? bertConfig(c, tokenizer) : llamaConfig(c, tokenizer);
  const weights = readWeights(weightFiles(dir));
  const notes: string[] = [];
  try {
    const mapped = arch === 'gpt2' ? gpt2Weights(weights, config, tokenizer, dir) : arch === 'bert' ? bertWeights(weights, config, c, tokenizer, dir) : llamaWeights(weights, config, c, tokenizer, dir);
    const fresh = new Model(config, 0);
    const state: Record<string, tf.Tensor> = {};
    const initialised: string[] = [];
    for (const [name, v] of fresh.params) {
      const t = mapped[name];
      if (!t) {
        // Only a missing MLM head is tolerated (BertModel/RobertaModel exports): it gets the usual init.
        if (!name.startsWith('lm_head.')) throw new Error(`Importing ${dir} left "${name}" unset; this is a bug in the ${arch} mapping.`);
        state[name] = tf.clone(v);
        initialised.push(name);
        continue;
      }
      if (t.shape.join() !== v.shape.join()) throw new Error(`The checkpoint in ${dir} maps to "${name}" with shape [${t.shape}] but config.json implies [${v.shape}].`);
      state[name] = tf.clone(t);
    }
    fresh.dispose();
    tf.dispose(Object.values(mapped));
    if (initialised.length) notes.push(`the checkpoint has no masked-LM head, so ${initialised.join(', ')} start from a random init (only held-out perplexity uses them)`);
    if (tokenizer.vocabSize > (c.vocab_size ?? 0)) notes.push(`${tokenizer.vocabSize - c.vocab_size} special roles share a checkpoint token and have copied embedding rows (see text/hf.ts)`);
    if (arch === 'llama' && c.tie_word_embeddings && !weights['lm_head.weight']) notes.push('the tied LM head is held as its own copy of the embedding table (ftbench\'s decoder has an untied head)');
    if (arch === 'bert' && c.model_type === 'bert') notes.push('token-type embedding 0 is added to every position, so second segments of pairs get type 0, not BERT\'s type 1');
    return { arch, config, tokenizer, state, notes };
  } finally {
    tf.dispose(Object.values(weights));
  }
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
  const imp = importHf(e.path);
  const tmp = `${f.weights}.${process.pid}.tmp`;
  await saveSafetensors(tmp, imp.state, { imported_from: path.resolve(e.path), arch: imp.arch, key: f.key });
  tf.dispose(Object.values(imp.state));
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
