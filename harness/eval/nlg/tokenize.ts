// The two tokenizations the E2E scorer (e2e-metrics) applies: mteval-v13a's for BLEU/NIST, the COCO caption
// evaluation's PTB tokenizer for METEOR, ROUGE-L and CIDEr.

/**
 * mteval-v13a's basic tokenization as e2e-metrics' pymteval.py writes it: SGML entities unescaped, punctuation split
 * off (periods and commas only when not between digits), single spaces. Lower-cased, since the scorer matches
 * case-insensitively. An empty string gives one empty token, as Python's ''.split(' ') does.
 */
export function mtevalTokens(sent: string): string[] {
  let s = sent
    .replace(/<skipped>/g, '')
    .replace(/-\n/g, '')
    .replace(/\n/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
  s = ` ${s} `;
  s = s.replace(/([{-~[-` -&(-+:-@/])/g, ' $1 ');
  s = s.replace(/([^0-9])([.,])/g, '$1 $2 ');
  s = s.replace(/([.,])([^0-9])/g, ' $1 $2');
  s = s.replace(/([0-9])(-)/g, '$1 $2 ');
  s = s.replace(/\s+/g, ' ').trim();
  return s.toLowerCase().split(' ');
}

/** Tokens the COCO tokenizer drops after tokenizing (pycocoevalcap/tokenizer/ptbtokenizer.py's PUNCTUATIONS). */
const COCO_PUNCT = new Set(["''", "'", '``', '`', '-lrb-', '-rrb-', '-lcb-', '-rcb-', '.', '?', '!', ',', ':', '-', '--', '...', ';']);

/**
 * The COCO caption evaluation's tokenization: Stanford's PTBTokenizer with -lowerCase, then punctuation tokens
 * dropped. Approximated here by its main rules (clitics n't 's 're 've 'll 'd 'm split off, punctuation split off,
 * brackets as -lrb-/-rrb-); the Java tokenizer's rarer cases (abbreviations, URLs) are not reproduced.
 */
export function cocoTokens(sent: string): string[] {
  let s = ` ${sent.toLowerCase().replace(/\s+/g, ' ')} `;
  s = s.replace(/(\w)n't\b/g, "$1 n't").replace(/(\w)'(s|re|ve|ll|d|m)\b/g, "$1 '$2");
  s = s.replace(/\.\.\./g, ' ... ').replace(/--/g, ' -- ');
  s = s.replace(/([?!;:"`]|,(?!\d)|(?<!\d)\.(?!\d)|\.(?=\s|$)|(?<!n)'(?![a-z]))/g, ' $1 ');
  s = s.replace(/(\w)-(\s|$)/g, '$1 - ');
  // Brackets last, so the dash rule above does not split their PTB names.
  s = s.replace(/\(/g, ' -lrb- ').replace(/\)/g, ' -rrb- ').replace(/\{/g, ' -lcb- ').replace(/\}/g, ' -rcb- ');
  return s.split(/\s+/).filter((t) => t.length > 0 && !COCO_PUNCT.has(t));
}

/** Counts of the n-grams of `toks` (n-gram keys joined by a space, which no token contains). */
export function ngramCounts(toks: string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= toks.length; i++) {
    const k = toks.slice(i, i + n).join(' ');
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** Per n-gram, the largest count it has in any one reference (the clipping counts of BLEU and NIST). */
export function maxRefCounts(refs: string[][], n: number): Map<string, number> {
  const merged = new Map<string, number>();
  for (const r of refs) for (const [k, c] of ngramCounts(r, n)) merged.set(k, Math.max(merged.get(k) ?? 0, c));
  return merged;
}

/** Length of the longest common subsequence of two token lists. */
export function lcsLength(a: string[], b: string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const cur = [0];
    for (let j = 0; j < b.length; j++) cur.push(x === b[j] ? prev[j] + 1 : Math.max(prev[j + 1], cur[j]));
    prev = cur;
  }
  return prev[b.length];
}
