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

/**
 * `answerChoices` (MMLU's letters): rows whose example carries choices are answered by the most likely choice after
 * the prompt instead of free decoding, and keep the end of a long prompt (the question comes last, after the shots).
 */
export function generationObjective(tok: Encoder, maxLen: number, maxNew = MAX_NEW_TOKENS, answerChoices?: string[]): Objective {
  const decode = tok.decode;
  if (!decode) throw new Error('A generation task needs a tokenizer that decodes.');
  const choiceIds = answerChoices?.map((c) => tok.encode(c));
  if (choiceIds?.some((c) => c.length === 0)) throw new Error(`An answer choice encodes to no tokens (choices: ${answerChoices!.join(', ')}).`);
  const longestChoice = Math.max(0, ...(choiceIds ?? []).map((c) => c.length));
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
      if (choiceIds && ex.choices) {
        // Asked, not trained on: the prompt's end (the question) is kept, the room of the longest choice left after it.
        const prompt = tok.encode(ex.text);
        const room = Math.max(1, maxLen - 2 - longestChoice);
        return { ids: promptAndContinuation(prompt.slice(Math.max(0, prompt.length - room)), tok.encode(ex.target), maxLen, room), label: ex.label };
      }
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
      if (choiceIds) return pickChoices(m, seqs, choiceIds, maxLen).then((picked) => picked.map((c) => answerChoices![c]));
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

/**
 * The index of the most likely choice after each `BOS prompt SEP` row, by the summed log-probability of its tokens.
 * Single-token choices (MMLU's letters) need one forward pass: the next-token distribution at SEP, as MMLU's
 * evaluate.py compares the logits of A, B, C and D; longer choices are scored row by row with teacher forcing.
 */
export async function pickChoices(m: Model, seqs: number[][], choiceIds: number[][], maxLen: number): Promise<number[]> {
  let scores: number[][];
  if (choiceIds.every((c) => c.length === 1)) {
    const batch = makeBatch(seqs.map((ids) => ({ ids, label: 0 })), maxLen, 'float32');
    const t = tf.tidy(() => {
      const [B, T] = batch.ids.shape;
      const h = tf.reshape(m.hidden(batch.ids, batch.mask), [B * T, -1]) as tf.Tensor2D;
      const last = tf.tensor1d(seqs.map((s, r) => r * T + Math.min(s.length, T) - 1), 'int32');
      const logp = tf.logSoftmax(m.lmLogits(tf.gather(h, last))); // [B, V]
      return tf.gather(logp, tf.tensor1d(choiceIds.map((c) => c[0]), 'int32'), 1); // [B, C]
    });
    scores = (await t.array()) as number[][];
    tf.dispose(t);
    disposeBatch(batch);
  } else {
    const C = choiceIds.length;
    const batch = makeBatch(seqs.flatMap((s) => choiceIds.map((c) => ({ ids: [...s, ...c].slice(0, maxLen), label: 0 }))), maxLen, 'float32');
    const t = tf.tidy(() => {
      const { logp, scored } = continuationLogp(m, batch.ids);
      return tf.reshape(tf.sum(tf.mul(logp, scored), 1), [seqs.length, C]);
    });
    scores = (await t.array()) as number[][];
    tf.dispose(t);
    disposeBatch(batch);
  }
  return scores.map((row) => row.indexOf(Math.max(...row)));
}
