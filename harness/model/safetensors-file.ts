// Safetensors files tensor by tensor: an index that reads one tensor from a file descriptor at a time, and a writer
// that streams each tensor's values in chunks, so neither ever holds a whole checkpoint in memory.
import fs from 'node:fs';
import { DTYPE_BYTES, readSafetensorsHeader, type Dtype as StDtype } from './safetensors-header.js';

export { DTYPE_BYTES, type StDtype };

export interface StEntry {
  dtype: StDtype;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The header of a safetensors file (read once) and its tensors, each read on demand from a file descriptor. */
export class SafetensorsIndex {
  readonly entries = new Map<string, StEntry>();
  readonly metadata: Record<string, string>;

  constructor(readonly file: string) {
    // One header reader for the whole project: every entry's dtype, shape, offsets and overlaps checked, one sentence.
    const h = readSafetensorsHeader(file);
    this.metadata = h.metadata;
    for (const t of h.tensors) this.entries.set(t.name, { dtype: t.dtype, shape: t.shape, begin: h.dataStart + t.start, end: h.dataStart + t.end });
  }

  /** One tensor's values as fp32 (bf16/f16 widened) or int32; only this tensor's bytes are read. */
  read(name: string): Float32Array | Int32Array {
    const e = this.entries.get(name);
    if (!e) throw new Error(`Checkpoint ${this.file} has no tensor "${name}".`);
    const raw = Buffer.alloc(e.end - e.begin);
    const fd = fs.openSync(this.file, 'r');
    try {
      let done = 0;
      while (done < raw.length) {
        const n = fs.readSync(fd, raw, done, raw.length - done, e.begin + done);
        if (n <= 0) throw new Error(`Checkpoint ${this.file} ended while reading tensor "${name}".`);
        done += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    return decode(raw, e.dtype);
  }
}

/** Raw little-endian bytes of one dtype → fp32 (or int32). The result owns its own buffer. */
export function decode(raw: Buffer, dtype: StDtype): Float32Array | Int32Array {
  const n = raw.length / DTYPE_BYTES[dtype];
  if (dtype === 'F32' || dtype === 'I32') {
    const out = dtype === 'F32' ? new Float32Array(n) : new Int32Array(n);
    new Uint8Array(out.buffer).set(raw);
    return out;
  }
  const u16 = new Uint16Array(n);
  new Uint8Array(u16.buffer).set(raw);
  if (dtype === 'BF16') {
    const u32 = new Uint32Array(n);
    for (let i = 0; i < n; i++) u32[i] = u16[i] << 16;
    return new Float32Array(u32.buffer);
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = halfToFloat(u16[i]);
  return out;
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  return e === 0 ? s * 2 ** -14 * (f / 1024) : e === 31 ? (f ? NaN : s * Infinity) : s * 2 ** (e - 15) * (1 + f / 1024);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** fp32 → bf16 bits, rounded to nearest even (what torch's .to(bfloat16) does). */
export function floatToBf16(x: number): number {
  f32[0] = x;
  const u = u32[0];
  if ((u & 0x7fffffff) > 0x7f800000) return 0x7fc0; // NaN
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** fp32 → IEEE half bits, rounded to nearest even, with subnormals and overflow to infinity. */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // may carry into the exponent, which is the right rounding
  return sign | h;
}

/** A tensor to write: its name, dtype, shape, and a function filling its values (as fp32) chunk by chunk. */
export interface StreamedTensor {
  name: string;
  shape: number[];
  /** Writes values [offset, offset + out.length) of the tensor, row-major, into out. */
  fill(offset: number, out: Float32Array): void;
}

const CHUNK = 1 << 20; // values per write: 4 MB of fp32 scratch

/** Writes a safetensors file whose tensors are produced chunk by chunk; returns the bytes written. */
export function writeSafetensorsStreaming(file: string, tensors: StreamedTensor[], dtype: Exclude<StDtype, 'I32'>, metadata: Record<string, string> = {}): number {
  const bytes = DTYPE_BYTES[dtype];
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const n = size(t.shape) * bytes;
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]); // the format aligns data to 8 bytes
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, len);
    fs.writeSync(fd, json);
    const scratch = new Float32Array(CHUNK);
    const out = Buffer.alloc(CHUNK * bytes);
    for (const t of tensors) {
      const total = size(t.shape);
      for (let at = 0; at < total; at += CHUNK) {
        const n = Math.min(CHUNK, total - at);
        const vals = scratch.subarray(0, n);
        t.fill(at, vals);
        if (dtype === 'F32') Buffer.from(vals.buffer, 0, n * 4).copy(out, 0);
        else if (dtype === 'BF16') for (let i = 0; i < n; i++) out.writeUInt16LE(floatToBf16(vals[i]), 2 * i);
        else for (let i = 0; i < n; i++) out.writeUInt16LE(floatToHalf(vals[i]), 2 * i);
        fs.writeSync(fd, out, 0, n * bytes);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return 8 + json.length + offset;
}

/**
 * Writes tensors produced one at a time whose shapes are known only once produced: the header's room is reserved
 * up front (a bound per tensor) and filled last, padded with spaces as the format allows. Returns the bytes written.
 */
export function writeSafetensorsLazy(file: string, tensors: { name: string; read(): { shape: number[]; values: Float32Array } }[], dtype: Exclude<StDtype, 'I32'>, metadata: Record<string, string> = {}): number {
  const bytes = DTYPE_BYTES[dtype];
  const room = 8 * Math.ceil((JSON.stringify({ __metadata__: metadata }).length + tensors.reduce((n, t) => n + t.name.length + 160, 64)) / 8);
  const header: Record<string, unknown> = { __metadata__: metadata };
  const fd = fs.openSync(file, 'w');
  let offset = 0;
  try {
    for (const t of tensors) {
      const { shape, values } = t.read();
      const out = Buffer.alloc(values.length * bytes);
      if (dtype === 'F32') Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(out);
      else if (dtype === 'BF16') for (let i = 0; i < values.length; i++) out.writeUInt16LE(floatToBf16(values[i]), 2 * i);
      else for (let i = 0; i < values.length; i++) out.writeUInt16LE(floatToHalf(values[i]), 2 * i);
      fs.writeSync(fd, out, 0, out.length, 8 + room + offset);
      header[t.name] = { dtype, shape, data_offsets: [offset, offset + out.length] };
      offset += out.length;
    }
    const json = Buffer.from(JSON.stringify(header));
    if (json.length > room) throw new Error(`writeSafetensorsLazy: the header (${json.length} bytes) outgrew its reserved ${room} bytes.`);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(room));
    fs.writeSync(fd, len, 0, 8, 0);
    fs.writeSync(fd, Buffer.concat([json, Buffer.alloc(room - json.length, 0x20)]), 0, room, 8);
  } finally {
    fs.closeSync(fd);
  }
  return 8 + room + offset;
}
