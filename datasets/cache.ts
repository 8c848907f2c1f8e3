// Built datasets cached as JSON in the data cache, keyed by what they are built from, written atomically.
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../core/paths.js';

/** Returns the cached value for this name and key, or builds, stores and returns it. */
export async function cachedJson<T>(name: string, key: string, build: () => T | Promise<T>): Promise<T> {
  const file = path.join(cacheDir('data'), `${name}-${key}.json`);
  if (fs.existsSync(file)) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    } catch {
      // A corrupt file (disk full, killed writer on a filesystem without atomic rename) is rebuilt, not fatal.
    }
  }
  const value = await build();
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value));
  fs.renameSync(tmp, file);
  return value;
}
