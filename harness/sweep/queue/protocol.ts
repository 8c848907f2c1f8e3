// What the queue's writer and workers agree on: the queue's name, a job's data, how a trial record travels through Redis.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../../core/paths.js';
import type { TrialRecord } from '../../store/index.js';
import type { Suite } from '../suite.js';

/** One BullMQ queue holds the trials of every suite; a job's name is its suite's name (queue status groups by it). */
export const QUEUE_NAME = 'ftbench-trials';

export const FTBENCH_VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

/** A job: one planned trial, with what a worker needs to plan it again itself and to check it agrees with the writer. */
export interface TrialJob {
  ftbench: string;
  suiteName: string;
  /** Hash of the plan (every trial's config hash, in order): equal plans, equal hashes. */
  suiteHash: string;
  suite: Suite;
  index: number;
  configHash: string;
  /** The writer's tensor backend name: it is part of the config hash, so a worker must run the same one. */
  backend: string;
  label: string;
}

/** A worker's live report of a trial in training, sent as BullMQ job progress. */
export interface TrialProgress {
  step: number;
  total: number;
  loss: number;
  lr: number;
  tokensPerS: number;
}

// JSON turns NaN and ±Infinity into null, and a diverged trial's loss is exactly such a number: keep them as strings.
const NONFINITE = '__ftbench_number__:';

export function encodeRecord(r: TrialRecord): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? `${NONFINITE}${v}` : v));
}

export function decodeRecord(json: string): TrialRecord {
  const r = JSON.parse(json, (_k, v) => (typeof v === 'string' && v.startsWith(NONFINITE) ? Number(v.slice(NONFINITE.length)) : v));
  return { ...r, startedAt: new Date(r.startedAt), finishedAt: new Date(r.finishedAt) };
}

/** BullMQ connection options from a redis:// or rediss:// URL; anything else is one sentence naming it. */
export function connectionOf(url: string): { url: string; maxRetriesPerRequest: null } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--queue "${url}" is not a URL; give the Redis server as redis://HOST:PORT, e.g. redis://127.0.0.1:6379.`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`--queue "${url}" must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379.`);
  }
  // null: a blocked command waits for Redis to come back (a restart) instead of failing the worker.
  return { url, maxRetriesPerRequest: null };
}

/** Fails with one sentence when no Redis answers at the URL (BullMQ itself would wait for it forever). */
export async function expectRedis(url: string, timeoutMs = 5_000): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:(\d+)/.exec(info)?.[1];
    if (version && Number(version) < 6) throw new Error(`Redis at ${url} is version ${version}; BullMQ needs Redis 6.2 or later (Redis 7 or Valkey recommended).`);
  } catch (e) {
    if ((e as Error).message.startsWith('Redis at')) throw e;
    throw new Error(`No Redis answers at ${url} (${(e as Error).message}); start one (redis-server --port ${new URL(url).port || 6379}) or fix --queue.`);
  } finally {
    redis.disconnect();
  }
}
