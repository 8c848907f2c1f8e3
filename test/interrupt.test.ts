// Ctrl-C through the real CLI with real signals: the first stores the trial in flight as interrupted and exits 130; a
// second forces exit; nothing stored before is lost, and the next run trains the interrupted trial again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../harness/store/index.js';
import { ROOT } from '../core/paths.js';

const CLI = path.join(ROOT, 'bin', 'ftbench.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-sigint-'));

function suiteFile(name: string, steps: number, techniques: string[]): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, [
    `name: ${name}`, 'models: [encoder-tiny]', 'datasets: [spam]', `techniques: [${techniques.join(', ')}]`, 'seeds: [0]',
    `budget: { steps: ${steps}, batch_size: 4, lr: 0.001, max_len: 32, train_examples: 32, eval_examples: 16 }`,
  ].join('\n'));
  return file;
}

/** Runs the CLI, sends `signals` SIGINTs (the first once the trial is in flight, the others right after) and resolves its exit. */
function interrupted(suite: string, db: string, signals: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'run', '--suite', suite, '--db', db, '--plain'], { cwd: ROOT });
    let out = '';
    let sent = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!sent && /training 1000000 steps/.test(out)) {
        sent = true;
        // A moment for the trial to reach its step loop (not a timing assertion: the steps cannot finish anyway).
        setTimeout(() => { for (let i = 0; i < signals; i++) child.kill('SIGINT'); }, 3000);
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

async function rows(db: string, sql: string) {
  const s = await Store.open(db, { readOnly: true });
  try {
    return await s.query(sql);
  } finally {
    await s.close();
  }
}

describe('Ctrl-C', () => {
  it('stores the trial in flight as interrupted, exits 130, and the next run trains it again', async () => {
    const db = path.join(dir, 'once.duckdb');
    const r = await interrupted(suiteFile('long', 1_000_000, ['lora']), db, 1);
    assert.equal(r.code, 130, r.out);
    assert.match(r.out, /stopped/);
    const [t] = await rows(db, 'SELECT status, steps, error FROM trials');
    assert.equal(t.status, 'interrupted');
    assert.ok((t.steps as number) < 1_000_000);
    assert.match(t.error as string, /^interrupted by the user after step \d+ of 1000000; the next run of the same command trains it again$/);
    assert.deepEqual(await rows(db, 'SELECT status FROM runs'), [{ status: 'stopped' }]);
    const s = await Store.open(db);
    assert.equal((await s.finishedConfigHashes()).size, 0, 'an interrupted trial is not finished');
    await s.close();
  });

  it('forces exit on a second Ctrl-C without losing the trials stored before', async () => {
    const db = path.join(dir, 'twice.duckdb');
    const short = spawnSync(process.execPath, [CLI, 'run', '--suite', suiteFile('short', 2, ['lora', 'bitfit']), '--db', db, '--plain'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(short.status, 0, short.stderr);
    const r = await interrupted(suiteFile('long2', 1_000_000, ['lora']), db, 2);
    assert.equal(r.code, 130, r.out);
    assert.deepEqual(await rows(db, "SELECT technique FROM trials WHERE status = 'ok' ORDER BY technique"), [{ technique: 'bitfit' }, { technique: 'lora' }]);
  });
});
