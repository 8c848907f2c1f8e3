// Base models by id: built-in presets pretrained once and cached by config hash, loaded fresh for every trial.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { Registry } from '../../core/registry.js';
import { hashOf } from '../../core/hash.js';
import { cacheDir } from '../../core/paths.js';
import { MODEL_PRESETS, type ModelConfig, type ModelPreset } from '../model/config.js';
import { Model, type ModelInit } from '../model/model.js';
import { SafetensorsIndex } from '../model/safetensors-file.js';
import { loadSafetensors, saveSafetensors } from '../model/safetensors.js';
import { loadCorpus, type Tokenizer } from '../../datasets/index.js';
import { builtinTokenizer } from './tokenizer.js';
import { pretrain, type PretrainProgress, type PretrainResult } from './pretrain.js';
import { cachedJson } from '../../datasets/cache.js';
import { hfConfigAndTokenizer, importHfInfo, importedPaths, type HfModelEntry } from '../model/import/index.js';
import { readSafetensorsHeader } from '../model/safetensors-header.js';
import { readBaseInfo } from './base-info.js';

export const models = new Registry<ModelPreset>('model');
for (const p of MODEL_PRESETS) models.register(p);

/** Bump when the model code changes in a way that invalidates cached checkpoints. */
const MODEL_CODE_VERSION = 1;

export interface BaseInfo {
  id: string;
  config: ModelConfig;
  checkpoint: string;
  checkpointHash: string;
  pretrain: PretrainResult;
  /** Set for a base imported from a Hugging Face folder: where from, and what the mapping noted. */
  imported?: { from: string; arch: string; notes: string[] };
}

export interface Base extends BaseInfo {
  tokenizer: Tokenizer;
  /** Held-out pretraining text as token streams, for perplexity and forgetting. */
  heldOut: number[][];
}

async function corpusStreams(tok: Tokenizer) {
  const corpus = await loadCorpus();
  return cachedJson(`corpus-tokens`, hashOf({ corpus: corpus.contentHash, tok: tok.hash }), () => ({
    train: corpus.train.map((d) => tok.encode(d.text)),
    heldOut: corpus.heldOut.map((d) => tok.encode(d.text)),
  }));
}

function configOf(p: ModelPreset, tok: Tokenizer): ModelConfig {
  return { ...p.config, vocabSize: tok.vocabSize } as ModelConfig;
}

async function keyOf(p: ModelPreset, tok: Tokenizer): Promise<string> {
  const corpus = await loadCorpus();
  return hashOf({ config: configOf(p, tok), pretrain: p.pretrain, tokenizer: tok.hash, corpus: corpus.contentHash, v: MODEL_CODE_VERSION });
}

function paths(p: ModelPreset, key: string) {
  const dir = cacheDir('models');
  return { weights: path.join(dir, `${p.id}-${key}.safetensors`), info: path.join(dir, `${p.id}-${key}.json`) };
}

/** Whether the preset's checkpoint is cached, and if so what its pretraining cost and measured (from its .json). */
export async function isCached(id: string): Promise<{ cached: boolean; path: string; info?: BaseInfo }> {
  const p = models.get(id);
  const tok = await builtinTokenizer(p.tokenizerVocab);
  const f = paths(p, await keyOf(p, tok));
  const cached = fs.existsSync(f.weights) && fs.existsSync(f.info);
  return { cached, path: f.weights, info: cached ? (readBaseInfo(f.info) as BaseInfo) : undefined };
}

/** Imported Hugging Face checkpoints converted into the cache (hf-<id>-<key>.json beside each), newest first. */
export function cachedImports(): { file: string; id: string; from: string; arch: string; params: number; notes: string[] }[] {
  const dir = cacheDir('models');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^hf-.*\.json$/.test(f) && fs.existsSync(path.join(dir, f.replace(/\.json$/, '.safetensors'))))
    .map((f) => {
      const info = readBaseInfo(path.join(dir, f));
      const c = info.config;
      const params = c.vocabSize * c.dModel + c.nLayers * (4 * c.dModel * c.dModel + (c.family === 'decoder' ? 3 : 2) * c.dModel * c.dFF);
      return { file: path.join(dir, f.replace(/\.json$/, '.safetensors')), id: info.id, from: info.imported?.from ?? '?', arch: info.imported?.arch ?? '?', params, notes: info.imported?.notes ?? [] };
    });
}

/** Pretrains the preset unless its checkpoint is cached; returns where it is and what pretraining measured. */
export async function ensureBase(id: string, onProgress?: (p: PretrainProgress) => void): Promise<Base> {
  const p = models.get(id);
  const tok = await builtinTokenizer(p.tokenizerVocab);
  const key = await keyOf(p, tok);
  const f = paths(p, key);
  const streams = await corpusStreams(tok);
  if (!(fs.existsSync(f.weights) && fs.existsSync(f.info))) {
    const model = new Model(configOf(p, tok), 0);
    const result = await pretrain(model, streams, p.pretrain, onProgress);
    const tmp = `${f.weights}.${process.pid}.tmp`;
    await saveSafetensors(tmp, model.state(), { preset: p.id, key });
    model.dispose();
    const info: BaseInfo = { id, config: configOf(p, tok), checkpoint: f.weights, checkpointHash: key, pretrain: result };
    fs.writeFileSync(`${f.info}.${process.pid}.tmp`, JSON.stringify(info, null, 1));
    fs.renameSync(tmp, f.weights); // weights first: the info file marks a complete checkpoint
    fs.renameSync(`${f.info}.${process.pid}.tmp`, f.info);
  }
  const info = readBaseInfo(f.info) as BaseInfo;
  readSafetensorsHeader(f.weights); // a damaged cache fails here, once, not in every trial
  return { ...info, checkpoint: f.weights, tokenizer: tok, heldOut: streams.heldOut };
}

/**
 * The base a suite's model entry names: a built-in preset (pretrained unless cached) or a local Hugging Face checkpoint
 * (converted once, cached by the content of its files). Imported bases carry `imported` (source folder, notes).
 */
export async function baseFor(entry: string | HfModelEntry, onProgress?: (p: PretrainProgress) => void): Promise<Base> {
  if (typeof entry === 'string') return ensureBase(entry, onProgress);
  const { info, tokenizer } = await importHfInfo(entry);
  readSafetensorsHeader(info.checkpoint);
  // Only the held-out streams: an imported base is not pretrained here, and tokenising the whole corpus would be wasted.
  const corpus = await loadCorpus();
  const heldOut = await cachedJson('corpus-heldout-tokens', hashOf({ corpus: corpus.contentHash, tok: tokenizer.hash }), () =>
    corpus.heldOut.map((d) => tokenizer.encode(d.text)),
  );
  return { ...info, tokenizer, heldOut };
}

/**
 * A model entry's config and tokenizer without its weights (nothing pretrained, converted or read): what a plan needs
 * to judge a trial's memory before its base is loaded. Both equal the loaded base's.
 */
export async function plannedBase(entry: string | HfModelEntry): Promise<{ config: ModelConfig; tokenizer: Tokenizer }> {
  if (typeof entry !== 'string') return hfConfigAndTokenizer(entry.path);
  const p = models.get(entry);
  const tokenizer = await builtinTokenizer(p.tokenizerVocab);
  return { config: configOf(p, tokenizer), tokenizer };
}

/**
 * The checkpoint hash a model entry has or will have, with nothing pretrained, converted or loaded (an imported
 * folder's files are read to hash them): what a resumed sweep needs to find its stored trials before loading a base.
 */
export async function checkpointKey(entry: string | HfModelEntry): Promise<string> {
  if (typeof entry !== 'string') return importedPaths(entry).key;
  const p = models.get(entry);
  return keyOf(p, await builtinTokenizer(p.tokenizerVocab));
}

/** checkpointKey, with an imported folder converted into the cache first (a queue's writer hashes trials it never runs, and its workers then find the base converted). */
export async function baseKeyFor(entry: string | HfModelEntry): Promise<string> {
  if (typeof entry !== 'string') return (await importHfInfo(entry)).info.checkpointHash;
  return checkpointKey(entry);
}

/** Checkpoints up to this size stay in memory between trials (a sweep instantiates its base once per trial). */
const KEEP_LOADED_BYTES = 256 << 20;
const loaded = new Map<string, Record<string, tf.Tensor>>();

/**
 * A fresh Model with the base checkpoint's weights; `seed` only affects parameters the checkpoint lacks (heads, an
 * imported encoder's missing MLM head). Large checkpoints are read tensor by tensor, each straight into its variable,
 * and with `packed` the matching linears are packed as they are read (a quantized base never holds its fp32 weights).
 */
export function instantiate(base: Base, seed: number, packed?: ModelInit['packed']): Model {
  const where = `checkpoint ${base.checkpoint}`;
  let source: (name: string) => tf.Tensor | undefined;
  if (fs.statSync(base.checkpoint).size <= KEEP_LOADED_BYTES) {
    let state = loaded.get(base.checkpoint);
    if (!state) loaded.set(base.checkpoint, (state = loadSafetensors(base.checkpoint).tensors));
    const s = state;
    source = (name) => (s[name] ? tf.clone(s[name]) : undefined);
  } else {
    const index = new SafetensorsIndex(base.checkpoint);
    source = (name) => {
      const e = index.entries.get(name);
      return e ? tf.tensor(index.read(name), e.shape) : undefined;
    };
  }
  const absent: string[] = [];
  const model = new Model(base.config, seed, {
    packed,
    source: (name) => {
      const t = source(name);
      if (!t) absent.push(name);
      return t;
    },
  });
  // Only an imported encoder's masked-LM head may be missing (BertModel exports); anything else is a broken checkpoint.
  const wrong = absent.filter((n) => !(base.imported && n.startsWith('lm_head.')));
  if (wrong.length) {
    model.dispose();
    throw new Error(`The ${where} has no tensor "${wrong[0]}".`);
  }
  return model;
}
