// What a sweep asks of a base before its trials: a light model to ask a plugin whether it applies, and the untouched
// base's held-out loss (forgetting's reference), each once per base in a process.
import { instantiate, type Base } from '../zoo/bases.js';
import { Model } from '../model/model.js';
import { heldOutWindows, isBig } from '../model/memory.js';
import { heldOutLoss } from '../zoo/lm.js';

/** A throwaway model per base for `unsupported()` checks (family and sizes are all a plugin needs to decide). */
const probes = new Map<string, Model>();
export function probeModel(base: Base): Model {
  let m = probes.get(base.id);
  // A big base's probe keeps its widths but not its depth or weights: a second 1B model in memory only to be asked its family.
  if (!m) probes.set(base.id, (m = isBig(base.config) ? new Model({ ...base.config, nLayers: Math.min(2, base.config.nLayers) }, 0) : instantiate(base, 0)));
  return m;
}

const baseHeldOutCache = new Map<string, number>();

/**
 * The untouched base's held-out loss on `windows` windows (by default as many as the base's size allows), once per
 * checkpoint and window count in a process: a table run calls runSweep once per column and budget, all on the same
 * base. NaN (not measured) for a big base, whose fp32 copy may not fit.
 */
export async function baseHeldOut(base: Base, windows = heldOutWindows(base.config)): Promise<number> {
  if (isBig(base.config)) return NaN;
  const key = `${base.checkpointHash}:${windows}`;
  const hit = baseHeldOutCache.get(key);
  if (hit !== undefined) return hit;
  const m = instantiate(base, 0);
  try {
    const loss = await heldOutLoss(m, base.heldOut, Math.min(64, base.config.maxLen), windows);
    baseHeldOutCache.set(key, loss);
    return loss;
  } finally {
    m.dispose();
  }
}
