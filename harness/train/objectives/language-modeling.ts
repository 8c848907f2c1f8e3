// Language modelling (decoder): next-token loss over windows of text; predictions are per-window mean losses.
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../../datasets/types.js';
import type { Encoder, Objective } from './types.js';
import { causalNll } from './losses.js';

export function languageModelingObjective(_dataset: Dataset, tok: Encoder, maxLen: number): Objective {
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
