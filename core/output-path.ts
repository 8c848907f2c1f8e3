// Output paths (--db, a report's or an export's --out) checked before anything is written: a folder that cannot be made
// or written is one sentence naming the path and the real cause (read-only file system, permission denied, not a
// folder), instead of whichever call failed first with its errno, or a "missing folder" that is really unwritable.
import fs from 'node:fs';
import path from 'node:path';

/** What an errno means for a path the user asked us to write, as a clause after the path. */
export function causeOf(code: string | undefined): string | null {
  switch (code) {
    case 'EROFS': return 'is on a read-only file system';
    case 'EACCES': return 'is not writable by this user (permission denied)';
    case 'EPERM': return 'may not be changed (operation not permitted: it is immutable or protected)';
    case 'ENOTDIR': return 'is not a folder';
    case 'ENOSPC': return 'is on a full disk (no space left on device)';
    case 'EDQUOT': return 'is over its disk quota';
    default: return null;
  }
}

const codeOf = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;

/** The nearest existing path at or above `p` (the root always exists); a file in the way stops the walk there. */
export function existingAncestor(p: string): string {
  let cur = path.resolve(p);
  for (;;) {
    try {
      fs.statSync(cur);
      return cur;
    } catch (e) {
      const parent = path.dirname(cur);
      // ENOTDIR: a file sits higher up the path; keep climbing to it.
      if ((codeOf(e) !== 'ENOENT' && codeOf(e) !== 'ENOTDIR') || parent === cur) return cur;
      cur = parent;
    }
  }
}

/**
 * Why the folder `dir` cannot hold new files, as "<path> <cause>", or null when it can (or can be made). The nearest
 * existing path at or above it is what decides: a file there means "not a folder"; an unwritable folder there
 * means nothing can be made below it.
 */
export function unwritableFolder(dir: string): string | null {
  const at = existingAncestor(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(at);
  } catch (e) {
    return `${at} ${causeOf(codeOf(e)) ?? `cannot be read (${(e as Error).message})`}`;
  }
  if (!st.isDirectory()) return `${at} is a file, not a folder`;
  try {
    // access(2) reports a read-only mount (EROFS) and an immutable folder (EPERM) even to root, who passes mode bits.
    fs.accessSync(at, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    return `${at} ${causeOf(codeOf(e)) ?? `cannot be written (${(e as Error).message})`}`;
  }
  return null;
}

/** Why the existing file `file` cannot be rewritten in place, as "<file> <cause>", or null when it can. */
export function unwritableFile(file: string): string | null {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return null;
  } catch (e) {
    if (codeOf(e) === 'ENOENT') return null;
    return `${file} ${causeOf(codeOf(e)) ?? `cannot be written (${(e as Error).message})`}`;
  }
}

/** Throws one sentence, "Cannot write <what> to <dir>: <path> <cause>; <fix>.", when `dir` cannot be written or made. */
export function checkOutputFolder(dir: string, what: string, fix: string): void {
  const why = unwritableFolder(dir);
  if (why) throw new Error(`Cannot write ${what} to ${dir}: ${why}; ${fix}.`);
}

/** checkOutputFolder, then makes the folder (with its parents) unless it exists. */
export function prepareOutputFolder(dir: string, what: string, fix: string): void {
  checkOutputFolder(dir, what, fix);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(`Cannot write ${what} to ${dir}: ${causeOf(codeOf(e)) ? `it ${causeOf(codeOf(e))}` : (e as Error).message}; ${fix}.`);
  }
}

/**
 * Writes `file` whole (its folder made if missing; a temporary file, then a rename, so a reader never sees half of it);
 * a failure is one sentence.
 */
export function writeOutputFile(file: string, data: string | Uint8Array, what: string, fix: string): void {
  const tmp = `${file}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const cause = causeOf(codeOf(e));
    throw new Error(`Cannot write ${what} to ${file}: ${cause ? `it ${cause}` : (e as Error).message}; ${fix}.`);
  }
}
