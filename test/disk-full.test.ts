// A store write that fails because the disk is full, on a real full tmpfs: the sentence names "No space left on device"
// (not the failing ROLLBACK's text), what was stored before is kept, the sweep stops, and once space is freed the same
// command continues. Mounting needs root (CI runs as root); elsewhere each test skips with one line.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../harness/store/index.js';
import { runMeta, trial } from '../harness/store/testing.js';
import { techniques } from '../techniques/index.js';
import type { Technique } from '../harness/plugin.js';
import { runSweep } from '../harness/sweep/run.js';
import { suiteSchema } from '../harness/sweep/suite.js';
import { initBackend } from '../harness/backend/index.js';
import { fillDisk, mountTmpfs, onMount } from './helpers/mounts.js';

const FULL = /failed because the disk is full \(No space left on device\); what was stored before it is kept: free some space and run the same command again to continue\.$/;

/** Trial hashes stored, after the writer that hit the full disk is gone (a fresh process's view). */
async function storedHashes(db: string): Promise<string[]> {
  const s = await Store.open(db);
  const rows = await s.query('SELECT config_hash FROM trials ORDER BY config_hash');
  await s.close();
  return rows.map((r) => r.config_hash as string);
}

describe('disk full', () => {
  it('a trial that does not fit reports the real cause; the trials stored before it are kept', async (t) => {
    await onMount(t, mountTmpfs('16m'), async (m) => {
      const db = path.join(m.dir, 'r.duckdb');
      const s = await Store.open(db);
      const run = await s.beginRun(runMeta());
      await s.recordTrial(run, trial({ configHash: 'before-1' }));
      await s.recordTrial(run, trial({ configHash: 'before-2' }));
      const filler = fillDisk(m.dir);
      const big = trial({ configHash: 'after', predictions: Array.from({ length: 20_000 }, (_, i) => ({ split: 'test', item: i, predicted: i % 3, target: i % 2 })) });
      await assert.rejects(s.recordTrial(run, big), (e: Error) => {
        assert.match(e.message, new RegExp(`^Storing trial lora on enc-tiny/spam seed 0 in results database ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ${FULL.source}`));
        assert.doesNotMatch(e.message, /ROLLBACK|no transaction|invalidated/i);
        return true;
      });
      await s.close(); // closing a store whose write failed must not throw over the cause
      fs.rmSync(filler);
      assert.deepEqual(await storedHashes(db), ['before-1', 'before-2']);
    });
  });

  describe('in a sweep', () => {
    const fullFt = techniques.get('full-ft');
    let fillHere: string | null = null;
    // Full fine-tuning that fills the disk holding the database when it starts (once), so its own result cannot be stored.
    const filling: Technique<Record<string, never>> = {
      ...fullFt,
      id: 'test-filling-disk',
      name: 'Fills the disk (test only)',
      apply(model, config, ctx) {
        if (fillHere) fillDisk(fillHere);
        fillHere = null;
        return fullFt.apply(model, config, ctx);
      },
    };
    before(() => {
      if (!techniques.has(filling.id)) techniques.register(filling);
    });

    it('stops at the trial that cannot be stored, keeps the ones before it, and the same command continues after space is freed', async (t) => {
      await onMount(t, mountTmpfs('16m'), async (m) => {
        const db = path.join(m.dir, 'r.duckdb');
        const suite = suiteSchema.parse({
          name: 'disk-full', models: ['encoder-tiny'], datasets: ['spam'], techniques: ['full-ft', filling.id, 'lora'], seeds: [0],
          budget: { batch_size: 8, lr: 1e-3, max_len: 32, steps: 2, train_examples: 16, eval_examples: 8 },
        });
        const backend = await initBackend();
        fillHere = m.dir;
        // The trial that fills the disk may still fit its small record in the last page the log file has; the first
        // record that does not fit is the one that must fail, and every one stored before it must stay.
        const stored: string[] = [];
        let failed = '';
        await assert.rejects(runSweep(suite, { db, backend, techniques, events: { trialEnd: (tr) => stored.push(tr.label) } }), (e: Error) => {
          assert.match(e.message, new RegExp(`^Storing trial ([\\w-]+) on encoder-tiny/spam seed 0 in results database ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ${FULL.source}`));
          failed = /^Storing trial ([\w-]+)/.exec(e.message)![1];
          return true;
        });
        assert.ok(stored[0] === 'full-ft' && !stored.includes(failed), `stored ${stored}, failed ${failed}`);
        assert.ok(stored.length < 3, 'the sweep stopped at the trial it could not store');
        fs.rmSync(path.join(m.dir, 'filler'));
        const s = await Store.open(db, { readOnly: true });
        assert.deepEqual((await s.query('SELECT technique, status FROM trials ORDER BY started_at')).map((r) => `${r.technique} ${r.status}`), stored.map((l) => `${l} ok`));
        await s.close();
        const resumed = await runSweep(suite, { db, backend, techniques });
        assert.deepEqual([resumed.ran, resumed.failed, resumed.skippedAsDone, resumed.stopped], [3 - stored.length, 0, stored.length, false]);
        const s2 = await Store.open(db, { readOnly: true });
        const rows = await s2.query('SELECT technique, status FROM trials ORDER BY technique');
        const runs = await s2.query('SELECT status FROM runs ORDER BY started_at');
        await s2.close();
        assert.deepEqual(rows.map((r) => `${r.technique} ${r.status}`), ['full-ft ok', 'lora ok', 'test-filling-disk ok']);
        assert.deepEqual(runs.map((r) => r.status), ['interrupted', 'finished']); // the stopped process's run, then the resumed one
      });
    });
  });
});
