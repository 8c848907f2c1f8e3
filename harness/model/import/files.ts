// A Hugging Face checkpoint folder as found on disk: config.json, tokenizer.json and safetensors weights (one file or shards).
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { SafetensorsIndex, type StDtype } from '../safetensors-file.js';
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

/** The tensors of a checkpoint (one file or its shards): headers read once, each tensor read from disk when asked for. */
export class CheckpointReader {
  private readonly where = new Map<string, SafetensorsIndex>();
  constructor(files: string[]) {
    for (const f of files) {
      const index = new SafetensorsIndex(f);
      for (const name of index.entries.keys()) this.where.set(name, index);
    }
  }
  has(name: string): boolean {
    return this.where.has(name);
  }
  dtype(name: string): StDtype {
    return this.where.get(name)!.entries.get(name)!.dtype;
  }
  /** The dtype every tensor shares (F32 when they differ). */
  commonDtype(): StDtype {
    const seen = new Set([...this.where].map(([n, ix]) => ix.entries.get(n)!.dtype));
    return seen.size === 1 ? [...seen][0] : 'F32';
  }
  /** A new fp32 (bf16/f16 widened) or int32 tensor; the caller disposes it. */
  get(name: string): tf.Tensor {
    const index = this.where.get(name);
    if (!index) throw new Error(`no tensor ${name}`);
    const values = index.read(name);
    return tf.tensor(values, index.entries.get(name)!.shape, values instanceof Int32Array ? 'int32' : 'float32');
  }
}

/** ftbench parameter name → a function producing its tensor from the checkpoint (called once, when the parameter is loaded). */
export type Mapped = Record<string, () => tf.Tensor>;

/** Hashes already read in this process, by each file's path, size and mtime. */
const hashed = new Map<string, string>();

/**
 * Content hash of the files that define the imported base, so a changed checkpoint is re-imported (read in chunks:
 * shards are GBs). Read once a process while no file changes: a resumed sweep needs it before it loads the base (to
 * know which trials are stored), and the load asks again.
 */
export function filesHash(files: string[]): string {
  const stamp = JSON.stringify(files.map((f) => {
    const s = fs.statSync(f, { throwIfNoEntry: false });
    return [path.resolve(f), s?.size ?? null, s?.mtimeMs ?? null];
  }));
  const known = hashed.get(stamp);
  if (known !== undefined) return known;
  const h = createHash('sha256');
  const chunk = Buffer.alloc(16 << 20);
  for (const f of files) {
    if (!fs.existsSync(f)) continue;
    h.update(path.basename(f));
    const fd = fs.openSync(f, 'r');
    try {
      for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0; ) h.update(chunk.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
  }
  const digest = h.digest('hex').slice(0, 16);
  hashed.set(stamp, digest);
  return digest;
}

/** A tensor the mapping needs (read now; the caller disposes it), or one sentence naming it and the checkpoint. */
export function need(w: CheckpointReader, dir: string, ...names: string[]): tf.Tensor {
  for (const n of names) if (w.has(n)) return w.get(n);
  throw new Error(`The checkpoint in ${dir} has no tensor "${names[0]}"; is config.json's model_type right for these weights?`);
}

/** The prefix the checkpoint's names carry (`transformer.`, `bert.`, `model.` ...): the first that some tensor starts with. */
export function prefixOf(w: CheckpointReader, probe: string, prefixes: string[]): string {
  return prefixes.find((p) => w.has(`${p}${probe}`)) ?? prefixes[prefixes.length - 1];
}
