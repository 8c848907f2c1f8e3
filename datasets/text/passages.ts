// Cuts long prose into passages of whole sentences, so a task's examples are short enough for small models.

/** Sentence ends: . ! ? (optionally closed by a quote or bracket) followed by space and a capital or quote. */
const SENTENCE_END = /(?<=[.!?]["'”’)\]]?)\s+(?=["“'‘(\[]?[A-Z0-9])/;

/** Consecutive sentences packed into passages of at most maxChars (a longer sentence is cut at a word boundary). */
export function passages(text: string, maxChars: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (let s of text.split(SENTENCE_END)) {
    s = s.trim();
    if (!s) continue;
    while (s.length > maxChars) {
      const sp = s.lastIndexOf(' ', maxChars);
      const cut = sp > maxChars / 2 ? sp : maxChars;
      if (cur) out.push(cur), (cur = '');
      out.push(s.slice(0, cut).trim());
      s = s.slice(cut).trim();
    }
    if (cur && cur.length + 1 + s.length > maxChars) out.push(cur), (cur = '');
    cur = cur ? `${cur} ${s}` : s;
  }
  if (cur) out.push(cur);
  return out;
}

/** At most n items, evenly spaced through the list, so a long source does not outweigh the others. */
export function evenlySpaced<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);
}
