// Tiny Hugging Face tokenizer.json files in the real formats (GPT-2 byte-level BPE, BERT WordPiece, LLaMA SentencePiece
// BPE), written by tests: the shapes and component names are those of the published gpt2, bert-base-uncased and
// Llama-2 tokenizer.json files, with small vocabularies.
import { byteSymbols } from '../harness/model/import/tokenizer-json.js';

/** GPT-2's bytes_to_unicode, byte → symbol, iterating in GPT-2's vocabulary order. */
export const bytesToUnicode = (): Map<number, string> => new Map(byteSymbols());

/** Byte-level BPE like gpt2: 256 byte symbols, the merges below, <|endoftext|> last. */
export function gpt2TokenizerJson(): { json: object; vocab: Map<string, number> } {
  const vocab = new Map<string, number>();
  for (const ch of bytesToUnicode().values()) vocab.set(ch, vocab.size);
  const merges = ['Ġ w', 'o r', 'Ġw or', 'l d', 'Ġwor ld', 'H e', 'l l', 'He ll', 'Hell o', 'Ġ t', 'h e', 'Ġt he'];
  for (const m of merges) vocab.set(m.replace(' ', ''), vocab.size);
  vocab.set('<|endoftext|>', vocab.size);
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: vocab.get('<|endoftext|>'), content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab: Object.fromEntries(vocab), merges },
  };
  return { json, vocab };
}

/** WordPiece like bert-base-uncased: [PAD] 0, then unused/ordinary tokens, specials at 5-8 (BERT has them at 100-103). */
export function bertTokenizerJson(): { json: object; vocab: Map<string, number> } {
  const words = ['[PAD]', 'the', 'a', 'of', 'and', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', ',', 'un', '##aff', '##able', 'world', '!', 'cafe', '##s'];
  const vocab = new Map(words.map((w, i) => [w, i]));
  const special = (content: string) => ({ id: vocab.get(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [6], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [7], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab) },
  };
  return { json, vocab };
}

/** SentencePiece-style BPE like Llama-2: <unk> 0, <s> 1, </s> 2, ▁ for spaces, byte fallback. */
export function llamaTokenizerJson(): { json: object; vocab: Map<string, number> } {
  const pieces = ['<unk>', '<s>', '</s>'];
  for (let b = 0; b < 256; b++) pieces.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  pieces.push('▁', 'h', 'e', 'l', 'o', 'w', 'r', 'd', 'he', 'll', 'hell', 'hello', '▁hello', 'or', 'ld', 'wor', 'world', '▁world');
  const vocab = new Map(pieces.map((p, i) => [p, i]));
  const merges = ['h e', 'l l', 'he ll', 'hell o', '▁ hello', 'o r', 'l d', 'w or', 'wor ld', '▁ world'];
  const special = (content: string) => ({ id: vocab.get(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['<unk>', '<s>', '</s>'].map(special),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    pre_tokenizer: null,
    post_processor: null,
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab: Object.fromEntries(vocab), merges },
  };
  return { json, vocab };
}
