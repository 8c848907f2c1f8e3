// The BPE tokenizer: encode by merge rank with a per-word memo, decode through bytes, serialise as its merge list.
import { hashOf } from '../core/hash.js';
import { normalize, pretokenize } from './pretokenize.js';
import { SPECIAL_TOKENS, NUM_SPECIAL } from './special.js';
import { BYTE_OFFSET, FIRST_MERGE_ID, MAX_VOCAB, countWords, learnMerges, wordBytes } from './train.js';

/** Bump when encoding or training changes, so cached tokenizers are rebuilt. */
export const ALGORITHM_VERSION = 'byte-bpe-1';

export interface Tokenizer {
  /** Number of ids (specials + 256 bytes + merges); every id in encode() output is below it. */
  vocabSize: number;
  hash: string;
  encode(text: string): number[];
  decode(ids: number[], opts?: { skipSpecial?: boolean }): string;
  /** Readable form of one id, for inspection and tests. */
  token(id: number): string;
  toJSON(): object;
}

export interface TokenizerOptions {
  vocabSize: number;
  lowercase?: boolean;
}

interface TokenizerJson {
  type: 'ftbench-bpe';
  version: string;
  lowercase: boolean;
  /** Flat [left, right, ...]; merge i makes id FIRST_MERGE_ID + i. */
  merges: number[];
}

/** Words past this many distinct entries are encoded without memoising, so memory stays bounded. */
const MEMO_LIMIT = 500_000;

class BpeTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly hash: string;
  private readonly rank = new Map<number, number>();
  private readonly bytes: Uint8Array[] = [];
  private readonly memo = new Map<string, number[]>();

  constructor(private readonly json: TokenizerJson) {
    const { merges } = json;
    this.vocabSize = FIRST_MERGE_ID + merges.length / 2;
    this.hash = hashOf(json);
    for (let i = 0; i < NUM_SPECIAL; i++) this.bytes.push(new Uint8Array(0));
    for (let b = 0; b < 256; b++) this.bytes.push(Uint8Array.of(b));
    for (let i = 0; i < merges.length; i += 2) {
      const [a, b] = [merges[i], merges[i + 1]];
      this.rank.set(a * MAX_VOCAB + b, i / 2);
      const ab = new Uint8Array(this.bytes[a].length + this.bytes[b].length);
      ab.set(this.bytes[a]);
      ab.set(this.bytes[b], this.bytes[a].length);
      this.bytes.push(ab);
    }
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const w of pretokenize(normalize(text, this.json.lowercase))) {
      let ids = this.memo.get(w);
      if (!ids) {
        ids = this.encodeWord(w);
        if (this.memo.size < MEMO_LIMIT) this.memo.set(w, ids);
      }
      for (const id of ids) out.push(id);
    }
    return out;
  }

  /** Applies the lowest-ranked merge present until none applies: the same order training learned them in. */
  private encodeWord(word: string): number[] {
    let s = wordBytes(word);
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < s.length; i++) {
        const r = this.rank.get(s[i] * MAX_VOCAB + s[i + 1]);
        if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
      }
      if (best < 0) return s;
      const [a, b] = [s[best], s[best + 1]];
      const id = FIRST_MERGE_ID + bestRank;
      const merged: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          merged.push(id);
          i++;
        } else merged.push(s[i]);
      }
      s = merged;
    }
  }

  decode(ids: number[], opts: { skipSpecial?: boolean } = {}): string {
    let text = '';
    let pending: number[] = [];
    const flush = () => {
      if (pending.length) text += Buffer.from(pending).toString('utf8');
      pending = [];
    };
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new Error(`Token id ${id} is outside the vocabulary (0..${this.vocabSize - 1}).`);
      if (id < NUM_SPECIAL) {
        flush();
        if (!opts.skipSpecial) text += SPECIAL_TOKENS[id];
      } else for (const b of this.bytes[id]) pending.push(b);
    }
    flush();
    return text;
  }

  token(id: number): string {
    return id < NUM_SPECIAL ? SPECIAL_TOKENS[id] : Buffer.from(this.bytes[id]).toString('utf8');
  }

  toJSON(): object {
    return this.json;
  }
}

export function trainTokenizer(texts: string[], opts: TokenizerOptions): Tokenizer {
  const lowercase = opts.lowercase ?? false;
  if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < FIRST_MERGE_ID) {
    throw new Error(`vocabSize must be an integer of at least ${FIRST_MERGE_ID} (5 specials + 256 bytes); got ${opts.vocabSize}.`);
  }
  const merges = learnMerges(countWords(texts, lowercase), opts.vocabSize);
  return new BpeTokenizer({ type: 'ftbench-bpe', version: ALGORITHM_VERSION, lowercase, merges });
}

export function tokenizerFromJSON(json: unknown): Tokenizer {
  const j = json as Partial<TokenizerJson> | null;
  if (!j || j.type !== 'ftbench-bpe') throw new Error('Not an ftbench tokenizer: expected an object with type "ftbench-bpe".');
  if (j.version !== ALGORITHM_VERSION) throw new Error(`Tokenizer version "${j.version}" is not the supported "${ALGORITHM_VERSION}"; retrain it.`);
  const merges = j.merges;
  if (!Array.isArray(merges) || merges.length % 2 !== 0) throw new Error('Tokenizer JSON has no valid merges list.');
  merges.forEach((id, i) => {
    const limit = FIRST_MERGE_ID + Math.floor(i / 2);
    if (!Number.isInteger(id) || id < BYTE_OFFSET || id >= limit) throw new Error(`Tokenizer merge ${Math.floor(i / 2)} refers to id ${id}, which does not exist yet.`);
  });
  return new BpeTokenizer({ type: 'ftbench-bpe', version: j.version, lowercase: Boolean(j.lowercase), merges });
}
