// Writes a randomly initialised Hugging Face checkpoint folder of a named real shape (config.json, tokenizer.json,
// tokenizer_config.json, safetensors, sharded past 2 GB), tensor by tensor, so real sizes can be exercised offline.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { builtinTokenizer } from './tokenizer.js';
import { DTYPE_BYTES, writeSafetensorsStreaming, type StreamedTensor } from '../model/safetensors-file.js';
import { checkpointTensors, shapeById, type CheckpointShape, type TensorSpec } from '../model/import/shapes.js';
import { byteLevelTokenizerJson } from '../model/import/tokenizer-json.js';
import type { HfConfig } from '../model/import/files.js';

export type CheckpointDtype = 'f32' | 'bf16' | 'f16';
const ST_DTYPE = { f32: 'F32', bf16: 'BF16', f16: 'F16' } as const;
const TORCH_DTYPE = { f32: 'float32', bf16: 'bfloat16', f16: 'float16' } as const;

/** Hugging Face's save_pretrained(max_shard_size="2GB"): shards of at most 2·10⁹ bytes. */
export const MAX_SHARD_BYTES = 2e9;

/** Merges of the built-in corpus tokenizer the generated tokenizer.json draws on (the rest of the vocabulary is reserved ids). */
const TOKENIZER_MERGES_FROM = 8000;

export interface MakeOptions {
  dtype?: CheckpointDtype;
  seed?: number;
  /** Fields of config.json to change (fewer layers, a smaller width for tests). */
  override?: HfConfig;
  /** Largest shard in bytes (tests use small ones to exercise sharding). */
  maxShardBytes?: number;
}

export interface MadeCheckpoint {
  dir: string;
  files: string[];
  params: number;
  bytes: number;
  seconds: number;
}

/** xoshiro128** with Box-Muller: one stream per tensor, seeded from the tensor's name, so values do not depend on chunking. */
class NormalStream {
  private s = new Uint32Array(4);
  private spare: number | null = null;
  constructor(seed: string) {
    const h = createHash('sha256').update(seed).digest();
    for (let i = 0; i < 4; i++) this.s[i] = h.readUInt32LE(4 * i) || 1;
  }
  private u32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u = (this.u32() + 1) / 4294967297;
    const v = this.u32() / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

function streamed(spec: TensorSpec, std: number, seed: number): StreamedTensor {
  let stream: NormalStream | null = null;
  let expected = 0;
  return {
    name: spec.name,
    shape: spec.shape,
    fill(offset, out) {
      if (spec.init !== 'normal') return void out.fill(spec.init === 'ones' ? 1 : 0);
      if (offset === 0) stream = new NormalStream(`${seed}:${spec.name}`);
      if (!stream || offset !== expected) throw new Error(`make-checkpoint: ${spec.name} was filled out of order.`);
      for (let i = 0; i < out.length; i++) out[i] = stream.normal() * std;
      expected = offset + out.length;
    },
  };
}

/** Splits tensors, in order, into runs of at most maxBytes (a tensor larger than that gets a shard of its own). */
function shard(specs: TensorSpec[], bytesPer: number, maxBytes: number): TensorSpec[][] {
  const out: TensorSpec[][] = [[]];
  let used = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1) * bytesPer;
    if (used + n > maxBytes && out[out.length - 1].length) {
      out.push([]);
      used = 0;
    }
    out[out.length - 1].push(s);
    used += n;
  }
  return out;
}

export async function makeCheckpoint(shapeId: string | CheckpointShape, dir: string, opts: MakeOptions = {}): Promise<MadeCheckpoint> {
  const started = Date.now();
  const shape = typeof shapeId === 'string' ? shapeById(shapeId) : shapeId;
  const dtype = opts.dtype ?? 'f32';
  if (!(dtype in ST_DTYPE)) throw new Error(`--dtype "${dtype}" is not one of f32, bf16, f16.`);
  const seed = opts.seed ?? 0;
  const config: HfConfig = { ...shape.config, ...opts.override, torch_dtype: TORCH_DTYPE[dtype] };
  const specs = checkpointTensors(config);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) if (/^model.*\.safetensors(\.index\.json)?$/.test(f)) fs.rmSync(path.join(dir, f)); // a previous, differently sharded run

  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const base = await builtinTokenizer(TOKENIZER_MERGES_FROM);
  const merges = (base.toJSON() as { merges: number[] }).merges;
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(byteLevelTokenizerJson(merges, config.vocab_size, shape.specials)));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...shape.tokenizerConfig, model_max_length: config.max_position_embeddings ?? config.n_positions }, null, 2));

  const bytesPer = DTYPE_BYTES[ST_DTYPE[dtype]];
  const std = config.initializer_range ?? 0.02;
  const shards = shard(specs, bytesPer, opts.maxShardBytes ?? MAX_SHARD_BYTES);
  const names = shards.length === 1 ? ['model.safetensors'] : shards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`);
  const weightMap: Record<string, string> = {};
  let bytes = 0;
  let dataBytes = 0;
  shards.forEach((list, i) => {
    bytes += writeSafetensorsStreaming(path.join(dir, names[i]), list.map((s) => streamed(s, std, seed)), ST_DTYPE[dtype], { format: 'pt', generated_by: 'ftbench make-checkpoint', shape: shape.id });
    for (const s of list) {
      weightMap[s.name] = names[i];
      dataBytes += s.shape.reduce((a, b) => a * b, 1) * bytesPer;
    }
  });
  if (shards.length > 1) fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: dataBytes }, weight_map: weightMap }, null, 2));
  const params = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  return { dir, files: names, params, bytes, seconds: (Date.now() - started) / 1000 };
}
