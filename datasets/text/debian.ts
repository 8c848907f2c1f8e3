// Task data from Debian packages: python3-pattern's test corpora (unpacked into the cache, never installed) and SWORD Bible modules (exported with mod2imp).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { cacheDir } from '../../core/paths.js';

export const PATTERN_PKG = 'python3-pattern';
const PATTERN_CORPORA = 'usr/share/doc/python3-pattern/test/corpora';

/**
 * python3-pattern pulls scipy, nltk and boost when installed, so the set-up only downloads the .deb and unpacks it
 * into the cache; an installed copy is used too.
 */
export function patternCorpusFile(name: string): string | null {
  const roots = [cacheDir('debian', PATTERN_PKG), '/'];
  for (const root of roots) {
    const f = path.join(root, PATTERN_CORPORA, name);
    if (fs.existsSync(f)) return f;
  }
  return null;
}

export function patternUnavailable(name: string): string | null {
  if (patternCorpusFile(name)) return null;
  return (
    `${name} from the Debian package ${PATTERN_PKG} is not unpacked; run "scripts/setup.sh" ` +
    `(it runs "apt-get download ${PATTERN_PKG}" and "dpkg-deb -x" into ${cacheDir('debian', PATTERN_PKG)}, without installing it).`
  );
}

/** The Debian packages of the two SWORD modules and the exporter, and the modules' names inside them. */
export const SWORD_PKGS = ['libsword-utils', 'sword-text-kjv', 'sword-text-web'];
export const SWORD_MODULES = { kjv: 'engKJV2006eb', web: 'engWEB2015eb' } as const;
export const SWORD_INSTALL = `sudo apt-get install --no-install-recommends ${SWORD_PKGS.join(' ')}`;

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

function swordConf(module: string): string | null {
  const roots = [process.env.SWORD_PATH, '/usr/share/sword', '/usr/local/share/sword'].filter((r): r is string => !!r);
  for (const r of roots) {
    // Debian names the file after the module as written (engKJV2006eb.conf); SWORD's own installer lower-cases it.
    for (const name of [module, module.toLowerCase()]) {
      const f = path.join(r, 'mods.d', `${name}.conf`);
      if (fs.existsSync(f)) return f;
    }
  }
  return null;
}

export function swordUnavailable(): string | null {
  if (!onPath('mod2imp')) return `mod2imp (Debian libsword-utils) is not installed; run "${SWORD_INSTALL}" (or scripts/setup.sh).`;
  const missing = Object.values(SWORD_MODULES).filter((m) => !swordConf(m));
  if (missing.length) return `The SWORD module(s) ${missing.join(', ')} are not installed; run "${SWORD_INSTALL}" (or scripts/setup.sh).`;
  return null;
}

/** The module's version line, for cache keys: a new package release rebuilds the task. */
export function swordVersion(module: string): string {
  const conf = swordConf(module);
  return conf ? /^Version=(.*)$/m.exec(fs.readFileSync(conf, 'utf8'))?.[1] ?? '?' : '?';
}

/** OSIS verse markup to plain text: notes and titles dropped (a note often sits where a space was), tags removed. */
export function osisToText(s: string): string {
  return s
    .replace(/<note\b[\s\S]*?<\/note>/g, ' ')
    .replace(/<title\b[\s\S]*?<\/title>/g, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/¶/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/ ([,.;:!?’”)])/g, '$1')
    .trim();
}

/** Verses of a SWORD module by reference ("Genesis 1:1"), exported raw with mod2imp; chapter/book headings (verse 0) skipped. */
export function swordVerses(module: string): Map<string, string> {
  const imp = execFileSync('mod2imp', [module], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = new Map<string, string>();
  for (const entry of imp.split(/^\$\$\$/m)) {
    const nl = entry.indexOf('\n');
    const ref = entry.slice(0, nl).trim();
    if (!/^.+ \d+:[1-9]\d*$/.test(ref)) continue;
    const text = osisToText(entry.slice(nl + 1));
    if (text) out.set(ref, text);
  }
  return out;
}
