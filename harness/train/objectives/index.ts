// Task objectives by task kind: the one table that says how each kind of dataset is trained and predicted.
import type { Dataset, TaskKind } from '../../../datasets/types.js';
import type { Family } from '../../model/config.js';
import { isCausal } from '../../model/config.js';
import type { Encoder, Objective } from './types.js';
import { classificationObjective, regressionObjective } from './classification.js';
import { languageModelingObjective } from './language-modeling.js';
import { multipleChoiceObjective } from './multiple-choice.js';
import { generationObjective } from './generation.js';

export type { Encoder, Objective } from './types.js';
export { crossEntropy, causalNll } from './losses.js';
export { encodePair } from './classification.js';

type Build = (dataset: Dataset, tok: Encoder, maxLen: number) => Objective;

export const objectives: Record<TaskKind, Build> = {
  classification: classificationObjective,
  'pair-classification': classificationObjective,
  regression: regressionObjective,
  'language-modeling': languageModelingObjective,
  'multiple-choice': multipleChoiceObjective,
  generation: (d, tok, maxLen) => generationObjective(tok, maxLen, undefined, d.answerChoices),
};

export function objectiveFor(dataset: Dataset, tok: Encoder, maxLen: number): Objective {
  const build = objectives[dataset.kind];
  if (!build) throw new Error(`Dataset "${dataset.id}" is a ${dataset.kind} task, which this harness version cannot train yet.`);
  return build(dataset, tok, maxLen);
}

/** Why a task kind cannot run on a model family, or null: only a causal decoder scores choices or generates. */
export function kindUnsupported(kind: TaskKind, family: Family): string | null {
  return (kind === 'generation' || kind === 'multiple-choice' || kind === 'language-modeling') && !isCausal(family)
    ? `A ${kind} task needs a decoder (causal) model; an encoder cannot score continuations or generate.`
    : null;
}

