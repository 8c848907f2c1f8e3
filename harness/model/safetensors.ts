// Safetensors read/write (the Hugging Face format): 8-byte header length, JSON header, raw little-endian data.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';

const DTYPES: Record<string, { bytes: number; read: (buf: Buffer) => Float32Array | Int32Array }> = {
  F32: { bytes: 4, read: (b) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) },
  F16: { bytes: 2, read: (b) => f16ToF32(b) },
  BF16: { bytes: 2, read: (b) => bf16ToF32(b) },
  I32: { bytes: 4, read: (b) => new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) },
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
  const bad = (why: string) => new Error(`Checkpoint ${file} is not a valid safetensors file: ${why}.`);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`Checkpoint ${file} cannot be read: ${(e as Error).message}.`);
  }
  if (buf.length < 8) throw bad('it is shorter than its 8-byte header length');
  const n = Number(buf.readBigUInt64LE(0));
  if (n <= 0 || 8 + n > buf.length) throw bad(`its header length ${n} does not fit in ${buf.length} bytes`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  } catch {
    throw bad('its header is not JSON');
  }
  const base = 8 + n;
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const dt = DTYPES[info?.dtype];
    if (!dt) throw bad(`tensor "${name}" has unsupported dtype ${info?.dtype}`);
    const [a, b] = info.data_offsets ?? [];
    const size = (info.shape as number[]).reduce((x, y) => x * y, 1);
    if (!(Number.isInteger(a) && Number.isInteger(b)) || b - a !== size * dt.bytes || base + b > buf.length) {
      throw bad(`tensor "${name}" has data offsets that do not match its shape or run past the end of the file`);
    }
    const values = dt.read(buf.subarray(base + a, base + b));
    tensors[name] = tf.tensor(values, info.shape, values instanceof Int32Array ? 'int32' : 'float32');
  }
  return { tensors, metadata: header.__metadata__ ?? {} };
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
