// Safetensors read/write (the Hugging Face format): 8-byte header length, JSON header, raw little-endian data.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import { parseSafetensorsHeader, type Dtype } from './safetensors-header.js';

// Header checks (offsets, sizes, overlaps) live in safetensors-header.ts; here only the bytes become tensors.
const DTYPES: Record<Dtype, { read: (buf: Buffer) => Float32Array | Int32Array }> = {
  F32: { read: (b) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) },
  F16: { read: (b) => f16ToF32(b) },
  BF16: { read: (b) => bf16ToF32(b) },
  I32: { read: (b) => new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) },
};

export async function saveSafetensors(file: string, tensors: Record<string, tf.Tensor>, metadata: Record<string, string> = {}): Promise<number> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name];
    const data = await t.data();
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype: t.dtype === 'int32' ? 'I32' : 'F32', shape: t.shape, data_offsets: [offset, offset + buf.byteLength] };
    chunks.push(buf);
    offset += buf.byteLength;
  }
  let json = Buffer.from(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8; // the format aligns data to 8 bytes
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const all = Buffer.concat([len, json, ...chunks]);
  fs.writeFileSync(file, all);
  return all.length;
}

export function loadSafetensors(file: string): { tensors: Record<string, tf.Tensor>; metadata: Record<string, string> } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`Checkpoint ${file} cannot be read: ${(e as Error).message}.`);
  }
  const header = parseSafetensorsHeader(file, buf, buf.length);
  const tensors: Record<string, tf.Tensor> = {};
  for (const { name, dtype, shape, start, end } of header.tensors) {
    const values = DTYPES[dtype].read(buf.subarray(header.dataStart + start, header.dataStart + end));
    tensors[name] = tf.tensor(values, shape, values instanceof Int32Array ? 'int32' : 'float32');
  }
  return { tensors, metadata: header.metadata };
}

function f16ToF32(b: Buffer): Float32Array {
  const out = new Float32Array(b.length / 2);
  for (let i = 0; i < out.length; i++) {
    const h = b.readUInt16LE(i * 2);
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    out[i] = e === 0 ? s * 2 ** -14 * (f / 1024) : e === 31 ? (f ? NaN : s * Infinity) : s * 2 ** (e - 15) * (1 + f / 1024);
  }
  return out;
}

function bf16ToF32(b: Buffer): Float32Array {
  const u = new Uint32Array(b.length / 2);
  for (let i = 0; i < u.length; i++) u[i] = b.readUInt16LE(i * 2) << 16;
  return new Float32Array(u.buffer);
}
