// What a metric is: its id, name, direction, and how it scores numbers or generated text (one file, so the metric
// families in nlg/ and choice-answer.ts can declare metrics without importing the registry that lists them).

export interface Metric {
  id: string;
  name: string;
  higherIsBetter: boolean;
  /** predictions and targets, item by item */
  compute(pred: number[], target: number[]): number;
  /** Text metrics (generation): decoded outputs against reference texts, item by item. */
  computeText?(pred: string[], ref: string[]): number;
  /** Text metrics with several references per output (E2E NLG); used instead of computeText when references are given. */
  computeRefs?(pred: string[], refs: string[][]): number;
}
