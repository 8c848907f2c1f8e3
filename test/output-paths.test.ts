// Unwritable output paths (--db, the report's --out, an export's --out) fail with one sentence naming the path and the
// real cause — not a folder, a read-only file system, an immutable folder, permission denied — never a missing folder
// or a bare errno, and nothing already stored is touched. Read-only mounts and chattr need root (CI runs as root);
// elsewhere those cases skip with one line.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Store } from '../harness/store/index.js';
import { runMeta, trial } from '../harness/store/testing.js';
import { exportStore } from '../harness/store/exchange.js';
import { buildReport } from '../reports/build.js';
import { ROOT } from '../core/paths.js';
import { mountTmpfs, onMount, remountReadOnly, setImmutable } from './helpers/mounts.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-outpaths-'));
const source = path.join(tmp, 'source.duckdb');
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

before(async () => {
  const s = await Store.open(source);
  const run = await s.beginRun(runMeta());
  await s.recordTrial(run, trial({ configHash: 'kept' }));
  await s.finishRun(run);
  await s.close();
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every writer of an output, given the folder it should write into, and the sentence's start and fix for it. */
const writers: { what: string; write: (dir: string) => Promise<unknown>; start: (dir: string) => string; fix: string }[] = [
  { what: '--db', write: (dir) => Store.open(path.join(dir, 'r.duckdb'), { createDir: true }).then((s) => s.close()), start: (dir) => `Cannot write results database ${path.join(dir, 'r.duckdb')}: `, fix: 'pass a --db in a folder you can write' },
  { what: 'report --out', write: (dir) => buildReport({ db: source, out: dir, format: 'md' }), start: (dir) => `Cannot write the report to ${dir}: `, fix: 'choose another --out folder' },
  {
    what: 'export --out',
    write: async (dir) => {
      const s = await Store.open(source, { readOnly: true });
      try {
        await exportStore(s, dir, 'csv');
      } finally {
        await s.close();
      }
    },
    start: (dir) => `Cannot write the export to ${dir}: `,
    fix: 'choose another --out folder',
  },
];

async function refuses(write: () => Promise<unknown>, start: string, cause: string, fix: string): Promise<void> {
  await assert.rejects(write(), (e: Error) => {
    assert.match(e.message, new RegExp(`^${esc(start)}.*${esc(cause)}; ${esc(fix)}\\.$`));
    assert.doesNotMatch(e.message, /does not exist|ENOENT|EROFS|EACCES|EPERM|ENOTDIR/);
    return true;
  });
}

describe('unwritable output paths', () => {
  it('a file where a folder should be: "is a file, not a folder"', async () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    for (const w of writers) {
      for (const dir of [file, path.join(file, 'below')]) {
        const start = w.what === '--db' ? `Cannot open results database ${path.join(dir, 'r.duckdb')}: ` : w.start(dir);
        const fix = w.what === '--db' ? 'pass a --db inside a folder' : w.fix;
        await refuses(() => w.write(dir), start, `${file} is a file, not a folder`, fix);
      }
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'x');
  });

  it('a read-only file system: "is on a read-only file system", for a folder there and one to be made below it', async (t) => {
    await onMount(t, mountTmpfs('1m', { readOnly: true }), async (m) => {
      for (const w of writers) {
        for (const dir of [m.dir, path.join(m.dir, 'new', 'out')]) await refuses(() => w.write(dir), w.start(dir), `${m.dir} is on a read-only file system`, w.fix);
      }
    });
  });

  it('a results database on a file system remounted read-only: refused for writing, still read, nothing lost', async (t) => {
    await onMount(t, mountTmpfs('16m'), async (m) => {
      const db = path.join(m.dir, 'r.duckdb');
      const s = await Store.open(db);
      await s.recordTrial(await s.beginRun(runMeta()), trial({ configHash: 'on-ro' }));
      await s.close();
      const why = remountReadOnly(m);
      if (why) return t.skip(why);
      await refuses(() => Store.open(db), `Cannot write results database ${db}: `, `${m.dir} is on a read-only file system`, 'pass a --db in a folder you can write');
      const r = await Store.open(db, { readOnly: true });
      assert.deepEqual(await r.query('SELECT config_hash FROM trials'), [{ config_hash: 'on-ro' }]);
      await r.close();
    });
  });

  it('an immutable folder (chattr +i): "may not be changed"', async (t) => {
    const dir = fs.mkdtempSync(path.join(tmp, 'immutable-'));
    const why = setImmutable(dir, true);
    if (why) return t.skip(why);
    try {
      for (const w of writers) {
        for (const out of [dir, path.join(dir, 'new')]) await refuses(() => w.write(out), w.start(out), `${dir} may not be changed (operation not permitted: it is immutable or protected)`, w.fix);
      }
    } finally {
      setImmutable(dir, false);
    }
  });

  it('a folder without write permission: "permission denied"', async (t) => {
    if (process.getuid?.() === 0) return t.skip('root passes permission bits (the read-only and immutable cases cover root)');
    const dir = fs.mkdtempSync(path.join(tmp, 'locked-'));
    fs.chmodSync(dir, 0o555);
    try {
      for (const w of writers) await refuses(() => w.write(dir), w.start(dir), `${dir} is not writable by this user (permission denied)`, w.fix);
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });

  it('ftbench report prints the one sentence and exits 1', async (t) => {
    await onMount(t, mountTmpfs('1m', { readOnly: true }), async (m) => {
      const out = path.join(m.dir, 'report');
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/ftbench.js'), 'report', '--db', source, '--out', out], { encoding: 'utf8' });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.trim(), `ftbench: Cannot write the report to ${out}: ${m.dir} is on a read-only file system; choose another --out folder.`);
    });
  });
});
