// What a dataset is to the harness: typed examples in fixed splits, a card, and the metrics it is scored by.

export type TaskKind = 'classification' | 'pair-classification' | 'regression' | 'generation' | 'multiple-choice' | 'language-modeling';

export interface Example {
  text: string;
  /** Second segment for pair tasks (paraphrase, word-in-context). */
  text2?: string;
  /** Class index for classification; the target value for regression; index of the right choice for multiple choice. */
  label: number;
  /** Candidate answers for multiple choice. */
  choices?: string[];
  /** Reference output for generation. */
  target?: string;
  /** Every reference output when there are several (E2E NLG: all human texts of one meaning representation). */
  references?: string[];
}

export interface Splits {
  train: Example[];
  dev: Example[];
  test: Example[];
}

export interface DatasetCard {
  description: string;
  source: string;       // package and file it is built from
  license: string;
  size: string;         // e.g. "6,046 emails: 4,150 ham / 1,896 spam"
  splitBy: string;      // the source unit splits are made by, so nothing leaks
  labelBalance?: string;
}

export interface Dataset {
  id: string;
  name: string;
  kind: TaskKind;
  /** Class names, index = label, for classification tasks. */
  labels?: string[];
  /** Metric ids, the primary one first (see harness/eval/metrics.ts). */
  metrics: string[];
  card: DatasetCard;
  /** Hash of the exact examples, so a trial's config hash changes when the data does. */
  contentHash: string;
  splits: Splits;
  /**
   * A generation task answered by one of these strings (MMLU's letters): the answer is the one the model finds most
   * likely after the prompt, not free decoding. Only the test and dev examples that carry `choices` are asked so.
   */
  answerChoices?: string[];
}

export interface DatasetSpec {
  id: string;
  name: string;
  kind: TaskKind;
  metrics: string[];
  card: DatasetCard;
  /** null when the data can be built here; otherwise one sentence saying why not and the command that fixes it. */
  unavailable(): string | null;
  load(): Promise<Dataset>;
}
