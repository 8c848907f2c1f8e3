// The Applied object of a mixture of LoRA experts: the experts train, utilisation from the recorder.
import type * as tf from '@tensorflow/tfjs';
import type { Model } from '../../../harness/model/model.js';
import type { Applied } from '../../../harness/plugin.js';
import { footprint } from '../../shared/footprint.js';
import type { LoraExperts } from './lora-experts.js';
import type { MoeRecorder } from './recorder.js';

export function loraExpertsApplied(model: Model, experts: LoraExperts, recorder: MoeRecorder, auxLoss?: () => tf.Scalar | null): Applied {
  const groups = () => [{ vars: experts.vars() }];
  return {
    paramGroups: groups,
    ...(auxLoss ? { auxLoss } : {}),
    adapterState: () => experts.state(),
    loadAdapterState: (s) => experts.load(s),
    footprint: () => footprint(model, groups(), experts.vars()),
    metrics: () => recorder.metrics(),
    dispose: () => {
      experts.dispose();
      recorder.dispose();
    },
  };
}
