// An ftbench byte-level BPE (merge list) written as a Hugging Face tokenizer.json of a given vocabulary size, with the
// special tokens at the ids a real checkpoint has them, for checkpoints that make-checkpoint generates.
import { BYTE_OFFSET, FIRST_MERGE_ID } from '../../../text/train.js';

/**
 * GPT-2's bytes_to_unicode as [byte, symbol] pairs in GPT-2's order (printable bytes first, mapped to themselves; the
 * rest to U+0100 onwards): the order of the 256 byte tokens in gpt2's and RoBERTa's vocab.json.
 */
export function byteSymbols(): [number, string][] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return bs.map((b, i) => [b, String.fromCodePoint(cs[i])]);
}

/** GPT-2's bytes_to_unicode indexed by byte. */
export function bytesToUnicode(): string[] {
  const out = new Array<string>(256);
  for (const [b, c] of byteSymbols()) out[b] = c;
  return out;
}

/**
 * tokenizer.json (byte-level BPE as GPT-2's) holding `specials` at their ids, the 256 bytes and as many of `merges`
 * (ftbench's flat [left, right, ...] ids, in rank order) as fit below `vocabSize`; ids left over are reserved tokens no
 * text produces, as Llama-3's reserved specials are, so the tokenizer's vocabulary is exactly `vocabSize`.
 */
export function byteLevelTokenizerJson(merges: number[], vocabSize: number, specials: Record<string, number>): object {
  const b2u = bytesToUnicode();
  const taken = new Set(Object.values(specials));
  let next = 0;
  const freeId = () => {
    while (taken.has(next)) next++;
    return next++;
  };
  const vocab = new Map<string, number>();
  const strings: string[] = []; // ftbench id → token string
  for (let b = 0; b < 256; b++) {
    strings[BYTE_OFFSET + b] = b2u[b];
    vocab.set(b2u[b], freeId());
  }
  const mergeLines: string[] = [];
  const room = vocabSize - 256 - taken.size;
  for (let i = 0; i < merges.length / 2; i++) {
    const [a, b] = [strings[merges[2 * i]], strings[merges[2 * i + 1]]];
    const s = a + b;
    strings[FIRST_MERGE_ID + i] = s;
    // Two merge paths can spell the same bytes; the string gets one id and both merges lead to it.
    if (!vocab.has(s)) {
      if (vocab.size - 256 >= room) break;
      vocab.set(s, freeId());
    }
    mergeLines.push(`${a} ${b}`);
  }
  for (let k = 0; vocab.size + taken.size < vocabSize; k++) vocab.set(`<|reserved_${k}|>`, freeId());
  for (const [tok, id] of Object.entries(specials)) vocab.set(tok, id);
  const added = Object.entries(specials).map(([content, id]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added.sort((x, y) => x.id - y.id),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false,
      vocab: Object.fromEntries([...vocab].sort((x, y) => x[1] - y[1])),
      merges: mergeLines,
    },
  };
}
