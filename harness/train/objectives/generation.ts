// Generation (decoder): causal-LM loss on the target of `BOS prompt SEP target EOS`; predicted by greedy decoding
// after `BOS prompt SEP`, so text metrics (BLEU, ROUGE-L) compare the decoded text with the reference.
import * as tf from '@tensorflow/tfjs';
import type { Example } from '../../../datasets/types.js';
import { EOS, SEP } from '../../../text/special.js';
import type { Model } from '../../model/model.js';
import { disposeBatch, makeBatch, type Batch, type Encoded } from '../batch.js';
import type { Encoder, Objective } from './types.js';
import { continuationLogp, promptAndContinuation } from './choice-scores.js';

/** Longest output decoded; the built-in data-to-text references are at most ~25 tokens. */
export const MAX_NEW_TOKENS = 32;

export function generationObjective(tok: Encoder, maxLen: number, maxNew = MAX_NEW_TOKENS): Objective {
  const decode = tok.decode;
  if (!decode) throw new Error('A generation task needs a tokenizer that decodes.');
  // Mean negative log-likelihood of the target tokens (and EOS) per row [B] and in all.
  const nll = (m: Model, b: Batch) => {
    const { logp, scored } = continuationLogp(m, b.ids);
    return { perRow: tf.div(tf.neg(tf.sum(tf.mul(logp, scored), 1)), tf.maximum(tf.sum(scored, 1), 1)), logp, scored };
  };
  return {
    nOutputs: 0, // the LM head is the task head
    labelDtype: 'float32',
    regression: false,
    encode(ex: Example): Encoded {
      if (ex.target === undefined) throw new Error('A generation example needs a target text.');
      // Prompts keep at most half of maxLen, so some target is always trained on.
      const ids = promptAndContinuation(tok.encode(ex.text), [...tok.encode(ex.target), EOS], maxLen, Math.floor(maxLen / 2) - 2);
      return { ids, label: 0 };
    },
    loss: (m, b) =>
      tf.tidy(() => {
        const { logp, scored } = nll(m, b);
        return tf.div(tf.neg(tf.sum(tf.mul(logp, scored))), tf.maximum(tf.sum(scored), 1)) as tf.Scalar;
      }),
    // Numbers for the generic path: per-row target loss. The task's metrics use predictText.
    predict: async (m, b) => {
      const per = tf.tidy(() => nll(m, b).perRow);
      const out = Array.from(await per.data());
      per.dispose();
      return out;
    },
    async predictText(m, b) {
      const rows = (await b.ids.array()) as number[][];
      const seqs = rows.map((r) => r.slice(0, r.indexOf(SEP) + 1)); // BOS prompt SEP
      const out: number[][] = seqs.map(() => []);
      const done = seqs.map(() => false);
      for (let step = 0; step < maxNew && done.some((x) => !x); step++) {
        const live = seqs.map((_, i) => i).filter((i) => !done[i] && seqs[i].length < maxLen);
        if (live.length === 0) break;
        const batch = makeBatch(live.map((i) => ({ ids: seqs[i], label: 0 })), maxLen, 'float32');
        const next = tf.tidy(() => {
          const [B, T] = batch.ids.shape;
          const h = tf.reshape(m.hidden(batch.ids, batch.mask), [B * T, -1]) as tf.Tensor2D;
          const last = tf.tensor1d(live.map((i, r) => r * T + seqs[i].length - 1), 'int32');
          return tf.argMax(m.lmLogits(tf.gather(h, last)), 1); // greedy
        });
        const ids = Array.from(await next.data());
        tf.dispose(next);
        disposeBatch(batch);
        live.forEach((i, r) => {
          if (ids[r] === EOS) done[i] = true;
          else {
            seqs[i].push(ids[r]);
            out[i].push(ids[r]);
          }
        });
      }
      return out.map((ids) => decode.call(tok, ids, { skipSpecial: true }).trim());
    },
  };
}
