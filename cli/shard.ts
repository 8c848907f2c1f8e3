// `--shard k/n` or `--shard auto --shards N` (the index from a Kubernetes Indexed Job or a Slurm array task).
export interface Shard { k: number; n: number }

export function parseShard(s: string, shards?: string, env: NodeJS.ProcessEnv = process.env): Shard {
  if (s !== 'auto') {
    const m = /^(\d+)\/(\d+)$/.exec(s);
    const k = Number(m?.[1]), n = Number(m?.[2]);
    if (!m || n < 1 || k >= n) throw new Error(`--shard "${s}" must be k/n with 0 ≤ k < n (e.g. 0/4), or auto with --shards N.`);
    return { k, n };
  }
  const n = Number(shards);
  if (shards === undefined || !Number.isInteger(n) || n < 1) {
    throw new Error(`--shard auto needs --shards N, the number of shards (the Job's completions or the Slurm array's size), got ${shards ?? 'none'}.`);
  }
  // Kubernetes Indexed Jobs count from 0; a Slurm array may start anywhere (--array=1-8), so count from its minimum.
  const [name, raw, min] = env.JOB_COMPLETION_INDEX !== undefined
    ? ['JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX, '0']
    : ['SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID, env.SLURM_ARRAY_TASK_MIN ?? '0'];
  if (raw === undefined) {
    throw new Error('--shard auto reads JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm array), and neither is set; pass --shard k/n instead.');
  }
  const k = Number(raw) - Number(min);
  if (!Number.isInteger(k) || k < 0 || k >= n) throw new Error(`${name}=${raw} gives shard ${k}, outside 0…${n - 1} for --shards ${n}.`);
  return { k, n };
}

/** A --db path with `{shard}` in it names one file per shard. */
export function shardDb(db: string, shard?: Shard): string {
  return shard ? db.replaceAll('{shard}', String(shard.k)) : db;
}
