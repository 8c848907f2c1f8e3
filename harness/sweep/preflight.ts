// Plan-time checks of a sweep's trials against the memory the backend has, before any training.
import type { ModelConfig } from '../model/config.js';
import { estimateTrialMemory, memoryLimit, refusal } from '../model/memory.js';
import type { PlannedTrial } from './plan.js';
import { mixedUnsupported } from '../backend/precision.js';

/** Throws one sentence for the first trial whose estimated training memory exceeds the backend's. */
export function checkTrialMemory(trials: PlannedTrial[], configOf: (model: string) => ModelConfig, backend: string): void {
  const limit = memoryLimit(backend);
  for (const t of trials) {
    const c = configOf(t.model);
    const shape = { batchSize: t.budget.batch_size, seqLen: Math.min(t.budget.max_len, c.maxLen), config: t.config, trainsAll: t.technique.properties.changesBase };
    const no = refusal(`Trial ${t.label} on ${t.model}/${t.dataset} (batch_size ${t.budget.batch_size}, max_len ${shape.seqLen})`, estimateTrialMemory(c, shape), shape, limit, backend);
    if (no) throw new Error(no);
  }
}

/** Throws one sentence for the first trial asking for a precision the backend cannot give (never a silent fp32 run). */
export function checkPrecision(trials: PlannedTrial[], backend: { name: string; features?: string[] }): void {
  const t = trials.find((x) => x.budget.precision === 'mixed');
  const why = t ? mixedUnsupported(backend) : null;
  if (t && why) {
    throw new Error(`Trial ${t.label} on ${t.model}/${t.dataset} asks for budget.precision "mixed", but ${why}: remove precision (fp32 is the default) or run with --backend webgpu on a GPU that has shader-f16.`);
  }
}
