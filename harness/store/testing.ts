// Synthetic runs and trials for tests of the store, the report and the CLI (made-up numbers, real write path).
import { randomUUID } from 'node:crypto';
import type { RunMeta, TrialRecord } from './types.js';
import { metricRow } from '../eval/rows.js';

export function runMeta(over: Partial<RunMeta> = {}): RunMeta {
  return {
    suite: 'test-suite', gitCommit: 'abc1234', backend: 'wasm', kernelPack: 'js-segsum', blas: null,
    threads: 2, host: 'testhost', cpu: 'Test CPU @ 2GHz', packages: { '@tensorflow/tfjs-core': '4.22.0' },
    startedAt: new Date('2025-01-02T03:04:05.000Z'), ...over,
  };
}

export function trial(over: Partial<TrialRecord> = {}): TrialRecord {
  const base: TrialRecord = {
    trialId: randomUUID(), configHash: randomUUID().slice(0, 16),
    model: 'enc-tiny', dataset: 'spam', technique: 'lora', category: 'adapter', seed: 0,
    config: { r: 8, alpha: 16, budget: { steps: 10 } }, status: 'ok', error: null,
    startedAt: new Date('2025-01-02T03:05:00.000Z'), finishedAt: new Date('2025-01-02T03:06:00.000Z'),
    trainableParams: 4096, totalParams: 1_000_000, extraParams: 4096, baseBytes: 4_000_000,
    optimizerStateBytes: 32768, adapterBytes: 16384, peakBytes: 50_000_000, peakRssBytes: 300_000_000,
    tokensPerS: 1234.5, msPerStep: 80.25, steps: 10, headParams: 130,
    metrics: [
      metricRow('test', 10, 'accuracy', 0.9, 'primary'),
      metricRow('test', 10, 'f1', 0.85, 'score'),
      metricRow('dev', 5, 'accuracy', 0.8, 'score'),
    ],
    curves: Array.from({ length: 10 }, (_, i) => ({ step: i + 1, loss: 1 / (i + 1), lr: 1e-3 })),
    predictions: Array.from({ length: 20 }, (_, i) => ({ split: 'test', item: i, predicted: i % 2, target: i % 3 === 0 ? 1 : 0 })),
  };
  return { ...base, ...over };
}
