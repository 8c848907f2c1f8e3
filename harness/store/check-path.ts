// Checks a database path before DuckDB touches it, so bad input fails with one sentence and nothing on disk changes.
import fs from 'node:fs';
import path from 'node:path';
import { StoreError } from './errors.js';
import { existingAncestor, unwritableFile, unwritableFolder } from '../../core/output-path.js';

// DuckDB's main header carries this magic at byte 8; checking it ourselves means a foreign file is never opened.
const MAGIC = 'DUCK';
const MAGIC_OFFSET = 8;

export interface PathCheck {
  /** The file already exists (and looks like DuckDB). */
  exists: boolean;
}

export function checkDbPath(file: string, opts: { createDir: boolean; readOnly: boolean }): PathCheck {
  const dir = path.dirname(path.resolve(file));
  const at = existingAncestor(dir);
  if (isFile(at)) throw new StoreError(`Cannot open results database ${file}: ${at} is a file, not a folder; pass a --db inside a folder.`);
  // Writing needs the folder too (DuckDB keeps its write-ahead log beside the file): say why it cannot be written
  // before DuckDB fails with its own words, or with a missing-folder message for a folder that only cannot be made.
  const unwritable = opts.readOnly ? null : unwritableFolder(dir) ?? unwritableFile(file);
  const cannotWrite = (why: string) => new StoreError(`Cannot write results database ${file}: ${why}; pass a --db in a folder you can write.`);
  if (at !== dir) {
    if (!opts.createDir || opts.readOnly) {
      throw new StoreError(`Cannot open results database ${file}: its directory ${dir} does not exist.`);
    }
    if (unwritable) throw cannotWrite(unwritable);
    fs.mkdirSync(dir, { recursive: true });
  } else if (unwritable) throw cannotWrite(unwritable);

  const st = statOrNull(file);
  if (!st) {
    if (opts.readOnly) throw new StoreError(`No results database at ${file}; run a suite first (ftbench run).`);
    return { exists: false };
  }
  if (!st.isFile()) throw new StoreError(`Cannot open results database ${file}: it is not a regular file.`);
  // An empty file holds nothing to lose (e.g. made by mktemp); DuckDB initialises it.
  if (st.size === 0) return { exists: false };
  if (!hasMagic(file)) {
    throw new StoreError(`${file} is not a DuckDB database; it was left untouched (choose another --db path).`);
  }
  return { exists: true };
}

function hasMagic(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(MAGIC_OFFSET + MAGIC.length);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return n === buf.length && buf.toString('latin1', MAGIC_OFFSET) === MAGIC;
  } finally {
    fs.closeSync(fd);
  }
}

/** A file (not a folder) is at `p`; false when it cannot even be looked at (unwritableFolder then says why). */
function isFile(p: string): boolean {
  try {
    return !fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
