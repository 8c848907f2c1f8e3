// Task objectives: how a dataset's examples become token ids, a training loss and predictions, per task kind.
import * as tf from '@tensorflow/tfjs';
import type { Dataset, Example } from '../../datasets/types.js';
import type { Model } from '../model/model.js';
import type { Batch, Encoded } from './batch.js';
import type { TaskKind } from '../../datasets/types.js';
import { multipleChoiceObjective } from './objectives/multiple-choice.js';
import { generationObjective } from './objectives/generation.js';
import { isCausal } from '../model/config.js';

export const CLS = 2;
export const SEP = 3;

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

/** Why a task kind cannot run on a model family, or null: only a causal decoder scores choices or generates. */
export function kindUnsupported(kind: TaskKind, family: Model['family']): string | null {
  return (kind === 'generation' || kind === 'multiple-choice' || kind === 'language-modeling') && !isCausal(family)
    ? `A ${kind} task needs a decoder (causal) model; an encoder cannot score continuations or generate.`
    : null;
}

/** [CLS] text [SEP] (text2 [SEP]), truncated so both segments keep a share of maxLen. */
export function encodePair(tok: Encoder, ex: Example, maxLen: number): number[] {
  const a = tok.encode(ex.text);
  if (ex.text2 === undefined) return [CLS, ...a.slice(0, maxLen - 2), SEP];
  const b = tok.encode(ex.text2);
  const room = maxLen - 3;
  const nb = Math.min(b.length, Math.max(Math.floor(room / 2), room - a.length));
  return [CLS, ...a.slice(0, room - nb), SEP, ...b.slice(0, nb), SEP];
}

/** Mean cross-entropy of logits [N,C] against int labels [N]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  return tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, logits.shape[1])), 1))) as tf.Scalar;
}

export function objectiveFor(dataset: Dataset, tok: Encoder, maxLen: number): Objective {
  const encode = (ex: Example): Encoded => ({ ids: encodePair(tok, ex, maxLen), label: ex.label });
  if (dataset.kind === 'classification' || dataset.kind === 'pair-classification') {
    const nOutputs = dataset.labels?.length ?? 2;
    return {
      nOutputs,
      labelDtype: 'int32',
      regression: false,
      encode,
      loss: (m, b) => crossEntropy(m.classify(b.ids, b.mask), b.labels),
      predict: async (m, b) => {
        const arg = tf.tidy(() => tf.argMax(m.classify(b.ids, b.mask), 1));
        const out = Array.from(await arg.data());
        arg.dispose();
        return out;
      },
    };
  }
  if (dataset.kind === 'regression') {
    return {
      nOutputs: 1,
      labelDtype: 'float32',
      regression: true,
      encode,
      loss: (m, b) => tf.losses.meanSquaredError(b.labels, tf.reshape(m.classify(b.ids, b.mask), [-1])) as tf.Scalar,
      predict: async (m, b) => {
        const y = tf.tidy(() => tf.reshape(m.classify(b.ids, b.mask), [-1]));
        const out = Array.from(await y.data());
        y.dispose();
        return out;
      },
    };
  }
  if (dataset.kind === 'language-modeling') {
    return {
      nOutputs: 0, // the LM head is the task head
      labelDtype: 'float32',
      regression: false,
      // A window of text as tokens; the label is how many next tokens it predicts, so perplexity weighs by tokens.
      encode: (ex) => {
        const ids = tok.encode(ex.text).slice(0, maxLen);
        return { ids, label: ids.length - 1 };
      },
      loss: (m, b) => tf.tidy(() => {
        const { nll, valid } = causalNll(m, b);
        return tf.div(tf.sum(nll), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
      }),
      // Per window: mean next-token loss (the `perplexity` metric weighs it by the label's token count).
      predict: async (m, b) => {
        const per = tf.tidy(() => {
          const { nll, valid } = causalNll(m, b);
          return tf.div(tf.sum(nll, 1), tf.maximum(tf.sum(valid, 1), 1));
        });
        const out = Array.from(await per.data());
        per.dispose();
        return out;
      },
    };
  }
  if (dataset.kind === 'multiple-choice') return multipleChoiceObjective(dataset, tok, maxLen);
  if (dataset.kind === 'generation') return generationObjective(tok, maxLen);
  throw new Error(`Dataset "${dataset.id}" is a ${dataset.kind} task, which this harness version cannot train yet.`);
}

/** Next-token loss at every position of a causal model: nll [B, T-1] (0 at padding) and the valid mask [B, T-1]. */
export function causalNll(m: Model, b: Batch): { nll: tf.Tensor2D; valid: tf.Tensor2D } {
  if (!isCausal(m.family)) throw new Error('A language-modeling task needs a decoder (causal) model.');
  const [B, T] = b.ids.shape;
  const h = m.hidden(b.ids, b.mask); // [B,T,d]
  const d = h.shape[2];
  const logits = m.lmLogits(tf.reshape(tf.slice(h, [0, 0, 0], [-1, T - 1, -1]), [-1, d]) as tf.Tensor2D); // [B(T-1), V]
  const targets = tf.reshape(tf.slice(b.ids, [0, 1], [-1, -1]), [-1]) as tf.Tensor1D;
  const valid = tf.slice(b.mask, [0, 1], [-1, -1]) as tf.Tensor2D; // [B, T-1]
  const logp = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(targets, logits.shape[1])), 1);
  return { nll: tf.mul(tf.reshape(tf.neg(logp), [B, T - 1]), valid) as tf.Tensor2D, valid };
}
