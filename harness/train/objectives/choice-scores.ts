// Shared by the decoder objectives: log-likelihood of the tokens after the first [SEP] of each row, and row packing.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../model/model.js';
import { PAD } from '../batch.js';
import { BOS, SEP } from '../../../text/special.js';
import { isCausal } from '../../model/config.js';

/**
 * Next-token log-probabilities of a causal model over rows [N, L] laid out `BOS prompt SEP continuation PAD…`:
 * logp [N, L-1] of each next token and `scored` [N, L-1], 1 where that token is part of the continuation.
 * Padding is found from the ids (PAD never comes out of the tokenizer), so packed rows need no mask of their own.
 */
export function continuationLogp(m: Model, ids: tf.Tensor2D): { logp: tf.Tensor2D; scored: tf.Tensor2D } {
  if (!isCausal(m.family)) throw new Error('Scoring continuations needs a decoder (causal) model.');
  const [N, L] = ids.shape;
  const mask = tf.cast(tf.notEqual(ids, PAD), 'float32') as tf.Tensor2D;
  const h = m.hidden(ids, mask); // [N, L, d]
  const d = h.shape[2];
  const logits = m.lmLogits(tf.reshape(tf.slice(h, [0, 0, 0], [-1, L - 1, -1]), [-1, d]) as tf.Tensor2D); // [N(L-1), V]
  const next = tf.reshape(tf.slice(ids, [0, 1], [-1, -1]), [-1]) as tf.Tensor1D;
  const logp = tf.reshape(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(next, logits.shape[1])), 1), [N, L - 1]) as tf.Tensor2D;
  // A token is scored when a [SEP] precedes it (exclusive cumulative count) and it is not padding.
  const afterSep = tf.greater(tf.cumsum(tf.cast(tf.equal(ids, SEP), 'int32'), 1, true), 0);
  const scored = tf.slice(tf.mul(tf.cast(afterSep, 'float32'), mask), [0, 1], [-1, -1]) as tf.Tensor2D;
  return { logp, scored };
}

/** `BOS prompt SEP continuation`, the prompt cut to at most `promptMax` tokens and the whole to `len`. */
export function promptAndContinuation(prompt: number[], cont: number[], len: number, promptMax: number): number[] {
  return [BOS, ...prompt.slice(0, promptMax), SEP, ...cont].slice(0, len);
}
