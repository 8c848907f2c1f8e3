// A machine-wide file lock around getting a base, so two workers on one machine pretrain a missing base once, not twice.
import path from 'node:path';
import fs from 'node:fs';
import lockfile from 'proper-lockfile';
import { cacheDir } from '../../../core/paths.js';
import { baseFor, type Base } from '../../zoo/bases.js';
import type { ModelEntry } from '../suite.js';
import { modelIdOf } from '../suite.js';

export async function lockedBase(entry: ModelEntry): Promise<Base> {
  const file = path.join(cacheDir('locks'), `base-${modelIdOf(entry).replace(/[^\w.-]/g, '_')}.lock`);
  fs.writeFileSync(file, '', { flag: 'a' });
  // Pretraining is CPU-bound and may hold the event loop for seconds between steps, so the lock's mtime is refreshed
  // rarely: only a lock left untouched for 10 minutes (its holder died) counts as stale. Waiters poll up to a day.
  const release = await lockfile.lock(file, {
    stale: 600_000,
    update: 30_000,
    retries: { retries: 86_400, factor: 1, minTimeout: 1_000, maxTimeout: 1_000 },
  });
  try {
    return await baseFor(entry); // the second holder finds the checkpoint cached
  } finally {
    await release().catch(() => undefined);
  }
}
