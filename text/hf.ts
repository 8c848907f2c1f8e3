// Hugging Face tokenizer.json (BPE, byte-level BPE, WordPiece, Unigram) behind ftbench's Tokenizer, in ftbench's id space.
//
// The harness relies on fixed special ids (PAD 0, UNK 1, CLS/BOS 2, SEP/EOS 3, MASK 4: see special.ts). A Hugging Face
// vocabulary puts its specials anywhere (BERT's [CLS] is 101, GPT-2's <|endoftext|> is 50256), so this tokenizer speaks
// a permuted id space: ids 0-4 are the checkpoint's tokens for those five roles, then every other id of the checkpoint
// in its original order. The importer permutes the embedding rows (and LM head) the same way, so the model computes
// exactly what the original does. Where one token plays several roles (GPT-2's <|endoftext|> is BOS, EOS and, as Hugging
// Face practice has it, pad), or a role has no token (no [MASK] in a decoder), the role's id is an extra row copying
// that token: the model is unchanged for every input, and only a language-model softmax sees the extra copies.
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import { hashOf } from '../core/hash.js';
import type { Tokenizer } from './bpe.js';
import { NUM_SPECIAL, SPECIAL_TOKENS } from './special.js';
import { maxOf } from '../core/extent.js';

/** Roles in ftbench's special-id order, each with the tokenizer_config.json keys and the usual token strings that fill it. */
const ROLES: { keys: string[]; tokens: string[] }[] = [
  { keys: ['pad_token'], tokens: ['[PAD]', '<pad>', '<|pad|>', '<|finetune_right_pad_id|>'] },
  { keys: ['unk_token'], tokens: ['[UNK]', '<unk>', '<|unk|>'] },
  { keys: ['cls_token', 'bos_token'], tokens: ['[CLS]', '<s>', '<|begin_of_text|>', '<|startoftext|>', '<|endoftext|>'] },
  { keys: ['sep_token', 'eos_token'], tokens: ['[SEP]', '</s>', '<|end_of_text|>', '<|endoftext|>'] },
  { keys: ['mask_token'], tokens: ['[MASK]', '<mask>', '<|mask|>'] },
];
/** A role without a token of its own borrows another's: pad ← eos, unk ← eos, bos ← eos, eos ← bos, mask ← unk ← eos. */
const FALLBACK: number[][] = [[3, 1], [3], [3], [2], [1, 3]];

export interface HfTokenizer extends Tokenizer {
  /** ftbench id → checkpoint id (length vocabSize): embedding row i of the imported model is the checkpoint's row toHf[i]. */
  readonly toHf: Int32Array;
  /** checkpoint id → ftbench id. */
  readonly toOurs: Int32Array;
  /** The checkpoint token behind each of ftbench's five special roles. */
  readonly specials: Record<(typeof SPECIAL_TOKENS)[number], string>;
}

type Json = Record<string, any>;

const tokenText = (v: unknown): string | undefined => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as Json).content === 'string' ? (v as Json).content : undefined);

/**
 * Reads `tokenizer.json` (and `tokenizer_config.json` when present) from a checkpoint folder. `modelVocab` is the
 * model's embedding rows (config.json's vocab_size), which may exceed the tokenizer's own vocabulary.
 */
export function loadHfTokenizer(dir: string, modelVocab?: number): HfTokenizer {
  const read = (f: string, required: boolean): Json | null => {
    const file = path.join(dir, f);
    if (!fs.existsSync(file)) {
      if (required) throw new Error(`${file} does not exist: an imported checkpoint needs its Hugging Face tokenizer.json.`);
      return null;
    }
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    } catch (e) {
      throw new Error(`${file} is not valid JSON (${(e as Error).message}).`);
    }
  };
  return hfTokenizerFromJSON(read('tokenizer.json', true)!, read('tokenizer_config.json', false) ?? {}, modelVocab, path.join(dir, 'tokenizer.json'));
}

export function hfTokenizerFromJSON(json: Json, config: Json = {}, modelVocab?: number, source = 'tokenizer.json'): HfTokenizer {
  let lib: HfLibTokenizer;
  try {
    lib = new HfLibTokenizer(json, config);
  } catch (e) {
    throw new Error(`${source} cannot be loaded as a Hugging Face tokenizer: ${(e as Error).message.replace(/\.$/, '')}.`);
  }
  const vocab = lib.get_vocab(true);
  const tokVocab = maxOf([...vocab.values()]) + 1;
  const V = Math.max(modelVocab ?? tokVocab, tokVocab);
  const idOf = (t: string | undefined) => (t === undefined ? undefined : vocab.get(t));
  const roles: (number | undefined)[] = ROLES.map((r) => {
    for (const k of r.keys) {
      const id = idOf(tokenText(config[k]));
      if (id !== undefined) return id;
    }
    for (const t of r.tokens) {
      const id = idOf(t);
      if (id !== undefined) return id;
    }
    return undefined;
  });
  const filled = roles.map((id, i) => id ?? FALLBACK[i].map((j) => roles[j]).find((x) => x !== undefined) ?? roles.find((x) => x !== undefined) ?? 0);
  const taken = new Set(filled);
  const toHf = new Int32Array(NUM_SPECIAL + V - taken.size);
  filled.forEach((h, i) => (toHf[i] = h));
  let k = NUM_SPECIAL;
  for (let h = 0; h < V; h++) if (!taken.has(h)) toHf[k++] = h;
  const toOurs = new Int32Array(V).fill(-1);
  for (let i = toHf.length - 1; i >= 0; i--) toOurs[toHf[i]] = i; // the first ftbench id of a checkpoint id wins
  const specials = Object.fromEntries(SPECIAL_TOKENS.map((s, i) => [s, lib.id_to_token(filled[i]) ?? `#${filled[i]}`])) as HfTokenizer['specials'];
  const hash = hashOf({ type: 'hf-tokenizer', json, config, V });

  return {
    vocabSize: toHf.length,
    hash,
    toHf,
    toOurs,
    specials,
    encode(text: string): number[] {
      // The harness adds [CLS]/[SEP] itself (ids 2 and 3 here), so the checkpoint's own post-processor is not applied.
      return lib.encode(text, { add_special_tokens: false }).ids.map((h: number) => toOurs[h]);
    },
    decode(ids: number[], opts: { skipSpecial?: boolean } = {}): string {
      const kept = ids.filter((id) => {
        if (!Number.isInteger(id) || id < 0 || id >= toHf.length) throw new Error(`Token id ${id} is outside the vocabulary (0..${toHf.length - 1}).`);
        return !(opts.skipSpecial && id < NUM_SPECIAL);
      });
      return kept.length ? lib.decode(kept.map((id) => toHf[id]), { skip_special_tokens: false, clean_up_tokenization_spaces: false }) : '';
    },
    token(id: number): string {
      return lib.id_to_token(toHf[id]) ?? `#${toHf[id]}`;
    },
    toJSON(): object {
      return { type: 'hf-tokenizer', tokenizer: json, config, modelVocab: V };
    },
  };
}
