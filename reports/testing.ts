// A synthetic results database for report tests, written through Store.recordTrial (the real write path).
import path from 'node:path';
import { Store, type TrialRecord } from '../harness/store/index.js';
import { runMeta, trial } from '../harness/store/testing.js';
import { mulberry32 } from './stats.js';
import { metricRow } from '../harness/eval/rows.js';

export interface SyntheticDb {
  db: string;
  runIds: string[];
  /** Technique rows expected per model table. */
  expectedRows: Record<string, string[]>;
}

// Accuracy each technique reaches on the synthetic classification sets: far enough apart to test verdicts.
const ACCURACY: Record<string, number> = { 'full-ft': 0.92, lora: 0.9, bitfit: 0.7, qlora: 0.89 };
const CATEGORY: Record<string, string> = { 'full-ft': 'training_method', lora: 'adapter', bitfit: 'parameter_selection', qlora: 'quantization', dora: 'adapter' };
const TRAINABLE: Record<string, number> = { 'full-ft': 1_000_000, lora: 8_192, bitfit: 2_000, qlora: 8_192, dora: 9_000 };
const ITEMS = 300;

export async function buildSyntheticDb(dir: string): Promise<SyntheticDb> {
  const db = path.join(dir, 'synthetic.duckdb');
  const store = await Store.open(db);
  try {
    const runA = await store.beginRun(runMeta({ suite: 'synthetic' }));
    for (const dataset of ['spam', 'sst2']) {
      for (const technique of Object.keys(ACCURACY)) {
        for (const seed of [0, 1, 2]) await store.recordTrial(runA, classification('enc-tiny', dataset, technique, seed));
      }
    }
    for (const technique of ['full-ft', 'lora']) {
      for (const seed of [0, 1]) await store.recordTrial(runA, languageModel(technique, seed));
    }
    await store.recordTrial(runA, trial({ model: 'enc-tiny', dataset: 'spam', technique: 'dora', category: 'adapter', seed: 0, status: 'failed', error: 'loss became NaN at step 3', metrics: [], predictions: [] }));
    await store.recordTrial(runA, trial({ model: 'dec-tiny', dataset: 'corpus', technique: 'bitfit', category: 'parameter_selection', seed: 0, status: 'skipped', error: 'bitfit needs bias terms; dec-tiny has none', metrics: [], curves: [], predictions: [] }));
    await store.finishRun(runA);

    // A second, later run with one extra trial, to test --run filtering.
    const runB = await store.beginRun(runMeta({ suite: 'synthetic-extra', startedAt: new Date('2025-02-01T00:00:00Z'), gitCommit: 'def5678' }));
    await store.recordTrial(runB, classification('enc-tiny', 'spam', 'lora', 7));
    await store.finishRun(runB);
    return {
      db, runIds: [runA, runB],
      expectedRows: { 'enc-tiny': ['full-ft', 'lora', 'qlora', 'bitfit'], 'dec-tiny': ['full-ft', 'lora'] },
    };
  } finally {
    await store.close();
  }
}

function classification(model: string, dataset: string, technique: string, seed: number): TrialRecord {
  const rand = mulberry32(hash(`${dataset}/${technique}/${seed}`));
  const predictions = Array.from({ length: ITEMS }, (_, item) => {
    const target = item % 2;
    return { split: 'test', item, target, predicted: rand() < ACCURACY[technique]! ? target : 1 - target };
  });
  const acc = predictions.filter((p) => p.predicted === p.target).length / ITEMS;
  return trial({
    model, dataset, technique, category: CATEGORY[technique]!, seed,
    // Every technique trains the same new 2,000-entry task head on top of its own parameters.
    trainableParams: TRAINABLE[technique]! + 2_000, totalParams: 1_002_000 + (technique === 'full-ft' ? 0 : TRAINABLE[technique]!),
    headParams: 2_000,
    peakBytes: technique === 'full-ft' ? 64 * 2 ** 20 : technique === 'qlora' ? 12 * 2 ** 20 : 24 * 2 ** 20,
    tokensPerS: technique === 'full-ft' ? 900 : 1500,
    metrics: [
      metricRow('test', 50, 'accuracy', acc, 'primary'),
      metricRow('test', 50, 'accuracy', acc, 'score'),
      metricRow('test', 50, 'accuracy', 0.5, 'baseline'),
      metricRow('dev', 25, 'accuracy', acc - 0.01, 'score'),
    ],
    curves: Array.from({ length: 50 }, (_, i) => ({ step: i + 1, loss: 0.7 * Math.exp(-i / (technique === 'bitfit' ? 40 : 15)) + 0.05 * rand(), lr: 1e-3 })),
    predictions,
  });
}

function languageModel(technique: string, seed: number): TrialRecord {
  const ppl = (technique === 'full-ft' ? 20 : 22) + seed * 0.5;
  return trial({
    model: 'dec-tiny', dataset: 'corpus', technique, category: CATEGORY[technique]!, seed,
    trainableParams: TRAINABLE[technique]!, totalParams: 1_000_000, headParams: 0,
    metrics: [metricRow('test', 30, 'perplexity', ppl, 'primary')],
    curves: Array.from({ length: 30 }, (_, i) => ({ step: i + 1, loss: 3 - i / 30, lr: 1e-3 })),
    predictions: [],
  });
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
