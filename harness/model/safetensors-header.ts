// The safetensors header checked before any tensor is read: each entry's dtype, shape and data offsets, the byte size
// they imply, the file's length, and that no two tensors share bytes. A bad header is one sentence naming the tensor.
import fs from 'node:fs';
import { z } from 'zod';
import { shown } from '../../core/json-file.js';

/** Bytes per element of the dtypes ftbench reads. */
export const DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2, I32: 4 } as const;
export type Dtype = keyof typeof DTYPE_BYTES;

export interface TensorEntry {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** Byte range in the data section (after the 8-byte length and the header). */
  start: number;
  end: number;
}

export interface SafetensorsHeader {
  tensors: TensorEntry[];
  metadata: Record<string, string>;
  /** Where the data section starts in the file. */
  dataStart: number;
}

/** The safetensors libraries refuse headers above 100 MB; a larger length is a damaged file, not a header to read. */
const MAX_HEADER = 100_000_000;

const entrySchema = z.looseObject({
  dtype: z.string(),
  shape: z.array(z.int().min(0)),
  data_offsets: z.tuple([z.int().min(0), z.int().min(0)]),
});

/** The error for a damaged or foreign file: the message names the file and what is wrong. */
export function badSafetensors(file: string, why: string): Error {
  return new Error(`Checkpoint ${file} is not a valid safetensors file: ${why}; it is damaged or was not written as safetensors, so replace it (a cached base is rebuilt when its file is deleted).`);
}

/** Checks the header bytes against the file's total length; returns the entries sorted by offset. */
export function parseSafetensorsHeader(file: string, head: Buffer, fileBytes: number): SafetensorsHeader {
  const bad = (why: string) => badSafetensors(file, why);
  if (fileBytes < 8 || head.length < 8) throw bad('it is shorter than its 8-byte header length');
  const n = head.readBigUInt64LE(0);
  if (n <= 0n || n > BigInt(MAX_HEADER) || 8n + n > BigInt(fileBytes)) throw bad(`its header length ${n} does not fit in ${fileBytes} bytes`);
  const dataStart = 8 + Number(n);
  if (head.length < dataStart) throw bad(`its header length ${n} does not fit in ${head.length} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(head.subarray(8, dataStart).toString('utf8'));
  } catch {
    throw bad('its header is not JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad(`its header is ${shown(json)}, not an object of tensors`);
  const dataBytes = fileBytes - dataStart;
  const tensors: TensorEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      const m = z.record(z.string(), z.string()).safeParse(info);
      if (!m.success) throw bad(`its __metadata__ is ${shown(info)}, not an object of strings`);
      metadata = m.data;
      continue;
    }
    const r = entrySchema.safeParse(info);
    if (!r.success) {
      const issue = r.error.issues[0];
      const field = String(issue.path[0] ?? '');
      const value = field && info && typeof info === 'object' ? (info as Record<string, unknown>)[field] : info;
      const want = field === 'shape' ? 'a list of whole numbers ≥ 0' : field === 'data_offsets' ? 'a pair [begin, end] of whole numbers ≥ 0' : field === 'dtype' ? 'a dtype name' : 'an object with dtype, shape and data_offsets';
      throw bad(field ? `tensor "${name}" has "${field}" ${value === undefined ? 'missing' : shown(value)}, which must be ${want}` : `tensor "${name}" is ${shown(info)}, not ${want}`);
    }
    const { dtype, shape, data_offsets: [start, end] } = r.data;
    if (!(dtype in DTYPE_BYTES)) throw bad(`tensor "${name}" has unsupported dtype ${shown(dtype)} (ftbench reads ${Object.keys(DTYPE_BYTES).join(', ')})`);
    if (end < start) throw bad(`tensor "${name}" has data offsets [${start}, ${end}] that end before they begin`);
    const need = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype as Dtype];
    if (end - start !== need) throw bad(`tensor "${name}" has data offsets [${start}, ${end}] (${end - start} bytes), but ${dtype} of shape [${shape}] takes ${need} bytes`);
    if (end > dataBytes) throw bad(`tensor "${name}" has data offsets [${start}, ${end}] that run past the end of the file (its data section holds ${dataBytes} bytes)`);
    tensors.push({ name, dtype: dtype as Dtype, shape, start, end });
  }
  tensors.sort((a, b) => a.start - b.start || a.end - b.end);
  let reach: TensorEntry | null = null; // of the tensors so far, the one whose bytes end last
  for (const t of tensors) {
    if (t.end === t.start) continue; // an empty tensor takes no bytes, so it overlaps nothing
    if (reach && t.start < reach.end) throw bad(`tensors "${reach.name}" [${reach.start}, ${reach.end}] and "${t.name}" [${t.start}, ${t.end}] have overlapping data offsets`);
    if (!reach || t.end > reach.end) reach = t;
  }
  return { tensors, metadata, dataStart };
}

/** Reads and checks only the header (not the data): cheap enough to check a cached checkpoint at plan time. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(`Checkpoint ${file} cannot be read: ${(e as Error).message}.`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Buffer.alloc(8);
    fs.readSync(fd, len, 0, 8, 0);
    const n = size >= 8 ? len.readBigUInt64LE(0) : 0n;
    const headBytes = n > 0n && 8n + n <= BigInt(Math.min(size, 8 + MAX_HEADER)) ? 8 + Number(n) : 8;
    const head = Buffer.alloc(headBytes);
    fs.readSync(fd, head, 0, headBytes, 0);
    return parseSafetensorsHeader(file, head, size);
  } finally {
    fs.closeSync(fd);
  }
}
