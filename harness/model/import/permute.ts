// The vocabulary permutation of an imported tokenizer applied to weights: row i of ours is the checkpoint's row toHf[i].
import * as tf from '@tensorflow/tfjs';
import type { HfTokenizer } from '../../../text/hf.js';
import { maxOf } from '../../../core/extent.js';

function indices(tok: HfTokenizer, rows: number, what: string): tf.Tensor1D {
  const max = maxOf(tok.toHf);
  if (max >= rows) throw new Error(`The tokenizer has id ${max} but the checkpoint's ${what} has only ${rows} rows; tokenizer.json and the weights do not belong together.`);
  return tf.tensor1d(tok.toHf, 'int32');
}

/** [V_hf, d] → [V_ours, d]. */
export function embedRows(t: tf.Tensor, tok: HfTokenizer): tf.Tensor {
  return tf.tidy(() => tf.gather(t, indices(tok, t.shape[0], 'embedding'), 0));
}

/** Vectors over the vocabulary ([V_hf] biases), and [d, V_hf] output weights along their last axis. */
export function vocabColumns(t: tf.Tensor, tok: HfTokenizer): tf.Tensor {
  return tf.tidy(() => tf.gather(t, indices(tok, t.shape[t.rank - 1], 'output layer'), t.rank - 1));
}
