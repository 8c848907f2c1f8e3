// Learning-rate schedule: linear warmup, then linear or cosine decay to a floor.

export interface ScheduleSpec {
  kind: 'linear' | 'cosine' | 'constant';
  warmupSteps: number;
  /** Final lr as a fraction of the peak. */
  minRatio: number;
}

export function lrAt(step: number, total: number, peak: number, s: ScheduleSpec): number {
  // 1) warmup from 0 to peak, 2) decay over the remaining steps, 3) never below the floor
  if (step < s.warmupSteps) return (peak * (step + 1)) / s.warmupSteps;
  if (s.kind === 'constant') return peak;
  const progress = Math.min(1, (step - s.warmupSteps) / Math.max(1, total - s.warmupSteps));
  const decay = s.kind === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return peak * (s.minRatio + (1 - s.minRatio) * decay);
}
