// A Hugging Face checkpoint folder as found on disk: config.json, tokenizer.json and safetensors weights (one file or shards).
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type * as tf from '@tensorflow/tfjs';
import { loadSafetensors } from '../safetensors.js';
import { readHfConfig, readShardIndex } from './validate.js';

export type HfConfig = Record<string, any>;

export function readConfig(dir: string): HfConfig {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(dir)) throw new Error(`Checkpoint folder ${dir} does not exist.`);
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist: a Hugging Face checkpoint folder needs its config.json.`);
  return readHfConfig(file);
}

/** The weight files: model.safetensors, or the shards listed in model.safetensors.index.json. */
export function weightFiles(dir: string): string[] {
  const single = path.join(dir, 'model.safetensors');
  if (fs.existsSync(single)) return [single];
  const index = path.join(dir, 'model.safetensors.index.json');
  if (fs.existsSync(index)) return readShardIndex(index);
  const bin = fs.existsSync(path.join(dir, 'pytorch_model.bin'));
  throw new Error(`${dir} has no model.safetensors (nor a model.safetensors.index.json)${bin ? '; it has pytorch_model.bin, which ftbench does not read: convert it to safetensors first' : ''}.`);
}

export function readWeights(files: string[]): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const f of files) Object.assign(out, loadSafetensors(f).tensors);
  return out;
}

/** Content hash of the files that define the imported base, so a changed checkpoint is re-imported. */
export function filesHash(files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    if (!fs.existsSync(f)) continue;
    h.update(path.basename(f));
    h.update(fs.readFileSync(f));
  }
  return h.digest('hex').slice(0, 16);
}

/** A tensor the mapping needs, or one sentence naming it and the checkpoint. */
export function need(w: Record<string, tf.Tensor>, dir: string, ...names: string[]): tf.Tensor {
  for (const n of names) if (w[n]) return w[n];
  throw new Error(`The checkpoint in ${dir} has no tensor "${names[0]}"; is config.json's model_type right for these weights?`);
}

/** The prefix the checkpoint's names carry (`transformer.`, `bert.`, `model.` ...): the first that some tensor starts with. */
export function prefixOf(w: Record<string, tf.Tensor>, probe: string, prefixes: string[]): string {
  return prefixes.find((p) => `${p}${probe}` in w) ?? prefixes[prefixes.length - 1];
}
