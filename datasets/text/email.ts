// Raw RFC 822 email to readable text: subject plus the first text part of the body, MIME-decoded, HTML stripped.
import { htmlToText } from './html.js';

interface Part {
  headers: Map<string, string>;
  body: string;
}

function parsePart(raw: string): Part {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  const headers = new Map<string, string>();
  // Continuation lines start with whitespace and belong to the header above.
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) {
      const name = line.slice(0, i).trim().toLowerCase();
      if (!headers.has(name)) headers.set(name, line.slice(i + 1).trim());
    }
  }
  return { headers, body };
}

function charsetOf(contentType: string): string {
  return /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1]?.toLowerCase() ?? 'latin1';
}

/** Bytes to text in the declared charset (big5, koi8-r, ... through ICU), latin1 when the charset is unknown. */
function bytesToText(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

function decodeQuotedPrintable(s: string, charset: string): string {
  const bytes: number[] = [];
  const t = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(t.slice(i + 1, i + 3))) {
      bytes.push(parseInt(t.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      // The JSON already holds text; non-ASCII characters go back to bytes the way the charset decode expects.
      const code = t.charCodeAt(i);
      if (code < 256 && !/^utf-?8$/.test(charset)) bytes.push(code);
      else for (const b of Buffer.from(t[i], 'utf8')) bytes.push(b);
    }
  }
  return bytesToText(Uint8Array.from(bytes), charset);
}

/** RFC 2047 encoded words in headers (=?charset?B|Q?...?=). */
export function decodeHeader(v: string): string {
  return v.replace(/=\?([^?]+)\?([bq])\?([^?]*)\?=/gi, (_m, cs: string, kind: string, data: string) => {
    if (kind.toLowerCase() === 'b') return bytesToText(Buffer.from(data, 'base64'), cs.toLowerCase());
    return decodeQuotedPrintable(data.replace(/_/g, ' '), cs.toLowerCase());
  });
}

function decodeBody(part: Part): string {
  const ct = part.headers.get('content-type') ?? 'text/plain';
  const cte = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  const charset = charsetOf(ct);
  if (cte.includes('base64')) return bytesToText(Buffer.from(part.body.replace(/\s+/g, ''), 'base64'), charset);
  if (cte.includes('quoted-printable')) return decodeQuotedPrintable(part.body, charset);
  return part.body;
}

/**
 * Parts between delimiter lines. Matching whole lines matters: a nested boundary often extends the outer one
 * (outer "X", inner "XAA"), so splitting on the substring would cut the inner parts apart.
 */
function splitMultipart(body: string, boundary: string): string[] {
  const open = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of body.split(/\r?\n/)) {
    const l = line.trimEnd();
    if (l === open || l === `${open}--`) {
      if (current) parts.push(current.join('\n'));
      current = l === open ? [] : null;
      if (!current) break;
    } else current?.push(line);
  }
  if (current) parts.push(current.join('\n'));
  return parts;
}

/** Text of a part: plain text preferred over HTML, found depth-first through multiparts; '' when none. */
function partText(part: Part, depth = 0): string {
  const ct = (part.headers.get('content-type') ?? 'text/plain').toLowerCase();
  if (ct.startsWith('multipart/') && depth < 5) {
    const boundary = /boundary=\s*"?([^";]+)"?/i.exec(part.headers.get('content-type') ?? '')?.[1];
    if (!boundary) return '';
    const children = splitMultipart(part.body, boundary).map(parsePart);
    const texts = children.map((c) => ({ c, t: (c.headers.get('content-type') ?? 'text/plain').toLowerCase() }));
    const plain = texts.find((x) => x.t.startsWith('text/plain'));
    if (plain) return partText(plain.c, depth + 1);
    for (const x of texts) {
      const t = partText(x.c, depth + 1);
      if (t.trim()) return t;
    }
    return '';
  }
  if (ct.startsWith('text/html')) return htmlToText(decodeBody(part));
  if (ct.startsWith('text/') || !part.headers.has('content-type')) {
    const body = decodeBody(part);
    // Some senders label HTML as text/plain; strip it when it looks like markup.
    return /<(html|body|p|br|div|table|font)\b/i.test(body) ? htmlToText(body) : body;
  }
  return '';
}

export function collapseWhitespace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Truncates to at most max characters, at a word boundary when one is near. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max);
  const sp = cut.lastIndexOf(' ');
  return sp > max * 0.8 ? cut.slice(0, sp) : cut;
}

export function emailToText(raw: string, maxChars = 1000): { subject: string; body: string; text: string } {
  const top = parsePart(raw);
  const subject = collapseWhitespace(decodeHeader(top.headers.get('subject') ?? ''));
  const body = collapseWhitespace(partText(top));
  const text = truncate(subject ? `${subject}\n${body}` : body, maxChars).trim();
  return { subject, body, text };
}
