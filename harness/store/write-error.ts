// A failed write to the results database as one sentence: what was being stored, the operating system's cause, the fix.

/** Causes DuckDB passes up from the file system, and what the user can do about each. */
const CAUSES: { pattern: RegExp; cause: string; fix: string }[] = [
  { pattern: /No space left on device|ENOSPC/i, cause: 'the disk is full (No space left on device)', fix: 'free some space' },
  { pattern: /File too large|EFBIG/i, cause: 'the file reached the size limit of this process or file system (File too large)', fix: 'raise the limit (ulimit -f) or pass another --db' },
  { pattern: /Read-only file system|EROFS/i, cause: 'its file system is read-only', fix: 'pass a --db on a writable file system' },
  { pattern: /Permission denied|EACCES/i, cause: 'permission to write it was denied', fix: 'pass a --db you can write' },
  { pattern: /Disk quota exceeded|EDQUOT/i, cause: 'the disk quota is exceeded', fix: 'free some space' },
  { pattern: /Operation not permitted|EPERM/i, cause: 'the file or its folder may not be changed (operation not permitted: immutable or protected)', fix: 'pass a --db you can write' },
];

/** The operating system's cause named anywhere in a DuckDB message, with its fix, or undefined. */
export function osCause(message: string): { cause: string; fix: string } | undefined {
  return CAUSES.find((c) => c.pattern.test(message));
}

/**
 * `what` failed to be written to the database at `path`. DuckDB wraps an I/O failure in its own words (and, once the
 * database is invalidated, in "Original error: ..."), so the OS cause is looked for anywhere in the message.
 */
export function describeWriteError(path: string, what: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const known = osCause(msg);
  const kept = 'what was stored before it is kept';
  if (known) return `Storing ${what} in results database ${path} failed because ${known.cause}; ${kept}: ${known.fix} and run the same command again to continue.`;
  return `Storing ${what} in results database ${path} failed (${msg.split('\n')[0].replace(/\.$/, '')}); ${kept}.`;
}
