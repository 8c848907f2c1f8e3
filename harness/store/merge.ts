// Merges other ftbench results files (one per shard or machine) into a store: idempotent, and a config hash stored
// with different results in two files is reported, never silently overwritten.
import fs from 'node:fs';
import path from 'node:path';
import { Store } from './store.js';
import { StoreError } from './errors.js';

export interface MergeSource {
  file: string;
  trials: number;
  added: number;
  /** Already stored with the same status and metrics (merged before, or run twice alike). */
  same: number;
  /** Stored as failed here and ok there: the ok row replaced it, as a re-run would. */
  replacedFailed: number;
  conflicts: { configHash: string; what: string; why: string }[];
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const TABLES = ['metrics', 'curves', 'predictions'] as const;

/** A trial's results as one comparable string: status, steps and every metric row. */
const FINGERPRINT = (db: string) => `
  SELECT t.config_hash, t.trial_id, t.status, t.technique, t.model, t.dataset, t.seed,
    t.status || '|' || coalesce(t.steps, -1) || '|' || coalesce((SELECT string_agg(m.split || '/' || m.step || '/' || m.name || '=' || coalesce(m.value::VARCHAR, 'null'), ';' ORDER BY m.split, m.step, m.name)
      FROM "${db}".metrics m WHERE m.trial_id = t.trial_id), '') AS fp
  FROM "${db}".trials t`;

export async function mergeInto(store: Store, files: string[]): Promise<MergeSource[]> {
  const out: MergeSource[] = [];
  for (const file of files) {
    const abs = path.resolve(file);
    if (abs === path.resolve(store.path)) throw new StoreError(`${file} is the target database itself; name it only after --db.`);
    if (!fs.existsSync(abs)) throw new StoreError(`${file} does not exist; name the results files to merge (ftbench run --db wrote them).`);
    await (await Store.open(abs, { readOnly: true })).close(); // one sentence if it is not an ftbench store (or a newer one)
    out.push(await mergeOne(store, abs, file));
  }
  return out;
}

async function mergeOne(store: Store, abs: string, name: string): Promise<MergeSource> {
  const r: MergeSource = { file: name, trials: 0, added: 0, same: 0, replacedFailed: 0, conflicts: [] };
  const me = (await store.query('SELECT current_database() AS db'))[0].db as string;
  await store.query(`ATTACH ${quote(abs)} AS src (READ_ONLY)`);
  try {
    // An older file lacks columns added since: they merge as NULL.
    const cols = async (table: string) => {
      const q = (cat: string) => store.query(
        `SELECT column_name FROM information_schema.columns WHERE table_catalog = $1 AND table_schema = 'main' AND table_name = $2 ORDER BY ordinal_position`, [cat, table]);
      const have = new Set((await q('src')).map((c) => c.column_name as string));
      const mine = (await q(me)).map((c) => c.column_name as string);
      return { list: mine.join(', '), select: mine.map((c) => (have.has(c) ? `s.${c}` : `NULL AS ${c}`)).join(', ') };
    };
    await store.query('BEGIN TRANSACTION');
    try {
      const runs = await cols('runs');
      await store.query(`INSERT INTO runs (${runs.list}) SELECT ${runs.select} FROM src.runs s WHERE s.run_id NOT IN (SELECT run_id FROM runs)`);
      const pairs = await store.query(
        `SELECT s.config_hash, s.trial_id AS src_id, s.status AS src_status, s.fp AS src_fp, m.trial_id AS my_id, m.status AS my_status, m.fp AS my_fp,
                s.technique, s.model, s.dataset, s.seed
         FROM (${FINGERPRINT('src')}) s LEFT JOIN (${FINGERPRINT(me)}) m USING (config_hash) ORDER BY s.config_hash`,
      );
      r.trials = pairs.length;
      const take: string[] = [];
      for (const p of pairs) {
        const what = `${p.technique} on ${p.model}/${p.dataset} seed ${p.seed}`;
        if (p.my_id == null) take.push(p.src_id as string);
        else if (p.my_fp === p.src_fp) r.same++; // the same trial id is no proof: a copied file may have been edited
        else if (p.my_status === 'failed' && p.src_status !== 'failed') {
          for (const t of [...TABLES, 'trials']) await store.query(`DELETE FROM ${t} WHERE trial_id = $1`, [p.my_id]);
          take.push(p.src_id as string);
          r.replacedFailed++;
        } else {
          const why = p.my_status !== p.src_status ? `stored as ${p.my_status} here and ${p.src_status} there` : 'stored with different metrics';
          r.conflicts.push({ configHash: p.config_hash as string, what, why });
        }
      }
      r.added = take.length - r.replacedFailed;
      if (take.length) {
        await store.query(`CREATE OR REPLACE TEMP TABLE merge_take AS SELECT unnest([${take.map(quote).join(', ')}]::VARCHAR[]) AS trial_id`);
        for (const t of ['trials', ...TABLES]) {
          const c = await cols(t);
          await store.query(`INSERT INTO ${t} (${c.list}) SELECT ${c.select} FROM src.${t} s WHERE s.trial_id IN (SELECT trial_id FROM merge_take)`);
        }
        await store.query('DROP TABLE merge_take');
      }
      await store.query('COMMIT');
    } catch (e) {
      await store.query('ROLLBACK');
      throw e;
    }
  } finally {
    await store.query('DETACH src');
  }
  return r;
}
