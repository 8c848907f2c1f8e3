// Pre-tokenisation: split text into words that BPE never merges across (GPT-2 style, spaces kept on the following word).

// A leading space stays attached to the word after it, so concatenating the pieces gives back the text exactly
// and decoding needs no rule about where spaces go.
const PIECE = /'(?:s|t|re|ve|m|ll|d)|\s?\p{L}+|\s?\p{N}{1,4}|\s?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export function pretokenize(text: string): string[] {
  return text.match(PIECE) ?? [];
}

export function normalize(text: string, lowercase: boolean): string {
  // NFC so the same visible character always has the same bytes.
  const t = text.normalize('NFC');
  return lowercase ? t.toLowerCase() : t;
}
