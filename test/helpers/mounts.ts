// Real file-system faults for tests: a small tmpfs (to fill the disk), a read-only tmpfs, an immutable folder
// (chattr +i). Each needs root (CI runs as root); a helper returns why it cannot, and the test skips with that line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

function run(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return `${cmd} is not available (${r.error.message})`;
  return r.status === 0 ? null : `${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`;
}

/** Root is needed for mount and chattr; anything else skips. */
function notRoot(what: string): string | null {
  return process.getuid?.() === 0 ? null : `${what} needs root (this test runs as uid ${process.getuid?.()})`;
}

export interface Mounted {
  dir: string;
  /** Unmounts and removes the mount point. */
  release(): void;
}

/** A fresh tmpfs of `size` (e.g. '8m'), optionally read-only; or the reason it cannot be mounted here. */
export function mountTmpfs(size: string, opts: { readOnly?: boolean } = {}): Mounted | string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-mnt-'));
  const why = notRoot('mounting a tmpfs') ?? run('mount', ['-t', 'tmpfs', '-o', `size=${size}${opts.readOnly ? ',ro' : ''}`, 'tmpfs', dir]);
  if (why) {
    fs.rmdirSync(dir);
    return why;
  }
  return {
    dir,
    release() {
      run('umount', [dir]);
      fs.rmdirSync(dir);
    },
  };
}

/** Runs `fn` on the mount and releases it after, however `fn` ends; where there is no mount, skips the test with why. */
export async function onMount(t: TestContext, m: Mounted | string, fn: (m: Mounted) => Promise<void>): Promise<void> {
  if (typeof m === 'string') {
    t.skip(m);
    return;
  }
  try {
    await fn(m);
  } finally {
    m.release();
  }
}

/** Remounts a mounted tmpfs read-only (its files stay, nothing can be written). */
export function remountReadOnly(m: Mounted): string | null {
  return run('mount', ['-o', 'remount,ro', m.dir]);
}

/** Sets or clears the immutable attribute (chattr ±i); null when done, else why not (a file system without it). */
export function setImmutable(p: string, on: boolean): string | null {
  return notRoot('chattr +i') ?? run('chattr', [on ? '+i' : '-i', p]);
}

/** Fills the file system holding `dir` with one file until a write fails with ENOSPC; returns the file. */
export function fillDisk(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) {
      try {
        fs.writeSync(fd, block);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        // The last pages: smaller writes until not one byte fits.
        for (let n = block.length / 2; n >= 1; n = Math.floor(n / 2)) {
          try {
            while (fs.writeSync(fd, block, 0, n) > 0);
          } catch (e2) {
            if ((e2 as NodeJS.ErrnoException).code !== 'ENOSPC') throw e2;
          }
        }
        return file;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
