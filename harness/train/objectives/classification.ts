// Classification and regression with a task head: [CLS] text [SEP] (text2 [SEP]) → classes or one value.
import * as tf from '@tensorflow/tfjs';
import type { Dataset, Example } from '../../../datasets/types.js';
import { CLS, SEP } from '../../../text/special.js';
import type { Encoded } from '../batch.js';
import type { Encoder, Objective } from './types.js';
import { crossEntropy } from './losses.js';

/** [CLS] text [SEP] (text2 [SEP]), truncated so both segments keep a share of maxLen. */
export function encodePair(tok: Encoder, ex: Example, maxLen: number): number[] {
  const a = tok.encode(ex.text);
  if (ex.text2 === undefined) return [CLS, ...a.slice(0, maxLen - 2), SEP];
  const b = tok.encode(ex.text2);
  const room = maxLen - 3;
  const nb = Math.min(b.length, Math.max(Math.floor(room / 2), room - a.length));
  return [CLS, ...a.slice(0, room - nb), SEP, ...b.slice(0, nb), SEP];
}

const pairEncoder = (tok: Encoder, maxLen: number) => (ex: Example): Encoded => ({ ids: encodePair(tok, ex, maxLen), label: ex.label });

export function classificationObjective(dataset: Dataset, tok: Encoder, maxLen: number): Objective {
  const encode = pairEncoder(tok, maxLen);
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

export function regressionObjective(_dataset: Dataset, tok: Encoder, maxLen: number): Objective {
  const encode = pairEncoder(tok, maxLen);
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
