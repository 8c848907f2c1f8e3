// What a task objective is: how examples become token ids, a training loss and predictions.
import type * as tf from '@tensorflow/tfjs';
import type { Example } from '../../../datasets/types.js';
import type { Model } from '../../model/model.js';
import type { Batch, Encoded } from '../batch.js';

export interface Encoder {
  encode(text: string): number[];
  /** Needed by generation objectives only. */
  decode?(ids: number[], opts?: { skipSpecial?: boolean }): string;
}

export interface Objective {
  /** Size of the task head. */
  nOutputs: number;
  labelDtype: 'int32' | 'float32';
  regression: boolean;
  encode(ex: Example): Encoded;
  loss(model: Model, batch: Batch): tf.Scalar;
  /** One prediction per row: class index or regression value. */
  predict(model: Model, batch: Batch): Promise<number[]>;
  /** Generation: the decoded output text per row; the task's metrics then score text (Metric.computeText). */
  predictText?(model: Model, batch: Batch): Promise<string[]>;
}

