// Where ftbench keeps things: the repository root, the cache of tokenizers and pretrained bases, default outputs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Cache for tokenizers, pretrained base models and built task files; FTBENCH_CACHE overrides. */
export function cacheDir(...sub: string[]): string {
  const dir = path.join(process.env.FTBENCH_CACHE ?? path.join(ROOT, '.cache'), ...sub);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export const DEFAULT_DB = path.join(ROOT, 'results', 'ftbench.duckdb');
export const DEFAULT_REPORT_DIR = path.join(ROOT, 'reports', 'out');
