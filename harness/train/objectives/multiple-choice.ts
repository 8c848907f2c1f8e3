// Multiple choice by likelihood (decoder): each choice scored by the log-likelihood of its tokens after the question,
// per token; trained with cross-entropy over the choices' scores, predicted by argmax.
import * as tf from '@tensorflow/tfjs';
import type { Dataset, Example } from '../../../datasets/types.js';
import { PAD } from '../batch.js';
import type { Encoder, Objective } from './types.js';
import { crossEntropy } from './losses.js';
import { continuationLogp, promptAndContinuation } from './choice-scores.js';

/**
 * The batch format holds one token row per example, so the C choices are packed side by side in fixed slots of
 * L = ⌊maxLen / C⌋ tokens ([BOS q SEP choice PAD…] × C) and unpacked to [B·C, L] rows for scoring.
 */
export function multipleChoiceObjective(dataset: Dataset, tok: Encoder, maxLen: number): Objective {
  const C = Math.max(...[...dataset.splits.train, ...dataset.splits.test].slice(0, 1000).map((e) => e.choices?.length ?? 0));
  if (!(C >= 2)) throw new Error(`Dataset "${dataset.id}" is multiple choice but its examples carry no choices.`);
  const L = Math.floor(maxLen / C);
  if (L < 8) throw new Error(`max_len ${maxLen} leaves ${L} tokens per choice for ${C} choices; raise it to at least ${8 * C}.`);

  /**
   * Choice scores [B, C]: mean log-probability of each choice's tokens. Per token, like lm-evaluation-harness's
   * length-normalised acc_norm (it divides by bytes): summed scores favour short choices and, as logits of the
   * cross-entropy, differ by tens of nats, which makes training unstable.
   */
  const scores = (m: Parameters<Objective['loss']>[0], ids: tf.Tensor2D) => {
    const B = ids.shape[0];
    const { logp, scored } = continuationLogp(m, tf.reshape(ids, [B * C, L]) as tf.Tensor2D);
    return tf.reshape(tf.div(tf.sum(tf.mul(logp, scored), 1), tf.maximum(tf.sum(scored, 1), 1)), [B, C]) as tf.Tensor2D;
  };

  return {
    nOutputs: 0, // the LM head scores the choices; no task head
    labelDtype: 'int32',
    regression: false,
    encode(ex: Example) {
      if (ex.choices?.length !== C) throw new Error(`Dataset "${dataset.id}": an example has ${ex.choices?.length ?? 0} choices, expected ${C}.`);
      const q = tok.encode(ex.text);
      // The question keeps at most half a slot, so every choice keeps some of its tokens.
      const ids = ex.choices.flatMap((c) => {
        const row = promptAndContinuation(q, tok.encode(c), L, Math.floor(L / 2));
        return [...row, ...new Array<number>(L - row.length).fill(PAD)];
      });
      return { ids, label: ex.label };
    },
    loss: (m, b) => tf.tidy(() => crossEntropy(scores(m, b.ids), b.labels)),
    predict: async (m, b) => {
      const arg = tf.tidy(() => tf.argMax(scores(m, b.ids), 1));
      const out = Array.from(await arg.data());
      arg.dispose();
      return out;
    },
  };
}
