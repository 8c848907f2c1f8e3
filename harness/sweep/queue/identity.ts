// A suite's trials with the config hash of each, computed without pretraining or training anything.
import type { Registry } from '../../../core/registry.js';
import { hashOf } from '../../../core/hash.js';
import type { AnyTechnique } from '../../plugin.js';
import { loadDataset, type Dataset } from '../../../datasets/index.js';
import { loadFileDataset } from '../../../datasets/files/index.js';
import { baseKeyFor } from '../../zoo/bases.js';
import { configHash, plan, type PlannedTrial } from '../plan.js';
import { datasetIdOf, isFileDataset, modelIdOf, type Suite } from '../suite.js';

export interface PlanIdentity {
  trials: PlannedTrial[];
  hashes: string[];
  /** Hash of every trial's config hash in order: two processes agree on a suite exactly when this agrees. */
  suiteHash: string;
  datasets: Map<string, Dataset>;
}

export async function identify(suite: Suite, techniques: Registry<AnyTechnique>, backend: string): Promise<PlanIdentity> {
  const trials = plan(suite, techniques); // validates ids and configs before anything is opened
  const datasets = new Map<string, Dataset>();
  for (const d of suite.datasets) datasets.set(datasetIdOf(d), isFileDataset(d) ? await loadFileDataset(d) : await loadDataset(datasetIdOf(d)));
  const keys = new Map<string, string>();
  for (const m of suite.models) keys.set(modelIdOf(m), await baseKeyFor(m));
  const hashes = trials.map((t) =>
    configHash(t, { checkpointHash: keys.get(t.model)!, datasetHash: datasets.get(t.dataset)!.contentHash, backend }),
  );
  return { trials, hashes, suiteHash: hashOf(hashes), datasets };
}
