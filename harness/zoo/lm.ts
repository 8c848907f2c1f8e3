// Language-model batches and loss: masked LM for encoders, next-token LM for decoders, loss only where targets are.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../model/model.js';
import { Rng } from '../../core/rng.js';
import { crossEntropy } from '../train/objectives/index.js';
import { CLS, MASK, NUM_SPECIAL } from '../../text/special.js';

export interface LmBatch {
  ids: tf.Tensor2D; // [B, T]
  mask: tf.Tensor2D; // [B, T]
  positions: tf.Tensor1D; // flat indices b*T+t of the positions that carry a target
  targets: tf.Tensor1D; // token id at each of those positions
  tokens: number;
}

/** Token windows of length `len` cut from tokenised documents, with a fixed sampling seed. */
export function sampleWindows(streams: number[][], len: number, n: number, rng: Rng): number[][] {
  const usable = streams.filter((s) => s.length > len);
  if (usable.length === 0) throw new Error(`No document is longer than ${len} tokens.`);
  const weights = usable.map((s) => s.length - len);
  const total = weights.reduce((a, b) => a + b, 0);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    let r = rng.next() * total;
    let d = 0;
    while (r >= weights[d]) r -= weights[d++];
    const start = Math.floor(r);
    out.push(usable[d].slice(start, start + len));
  }
  return out;
}

/** BERT's masking: 15% of positions are predicted; of those 80% become [MASK], 10% a random token, 10% stay. */
export function mlmBatch(windows: number[][], vocab: number, rng: Rng): LmBatch {
  const B = windows.length;
  const T = windows[0].length + 1;
  const ids = new Int32Array(B * T);
  const positions: number[] = [];
  const targets: number[] = [];
  windows.forEach((w, b) => {
    ids[b * T] = CLS;
    w.forEach((tok, i) => {
      const at = b * T + i + 1;
      ids[at] = tok;
      if (rng.next() < 0.15) {
        positions.push(at);
        targets.push(tok);
        const r = rng.next();
        if (r < 0.8) ids[at] = MASK;
        else if (r < 0.9) ids[at] = NUM_SPECIAL + rng.int(vocab - NUM_SPECIAL);
      }
    });
  });
  if (positions.length === 0) {
    positions.push(1);
    targets.push(windows[0][0]);
  }
  return pack(ids, B, T, positions, targets);
}

/** Next-token prediction on windows of length T+1: inputs w[0..T), targets w[1..T]. */
export function clmBatch(windows: number[][]): LmBatch {
  const B = windows.length;
  const T = windows[0].length - 1;
  const ids = new Int32Array(B * T);
  const positions: number[] = [];
  const targets: number[] = [];
  windows.forEach((w, b) => {
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = w[t];
      positions.push(b * T + t);
      targets.push(w[t + 1]);
    }
  });
  return pack(ids, B, T, positions, targets);
}

function pack(ids: Int32Array, B: number, T: number, positions: number[], targets: number[]): LmBatch {
  return {
    ids: tf.tensor2d(ids, [B, T], 'int32'),
    mask: tf.ones([B, T]) as tf.Tensor2D,
    positions: tf.tensor1d(positions, 'int32'),
    targets: tf.tensor1d(targets, 'int32'),
    tokens: B * T,
  };
}

export function lmBatchFor(model: Model, windows: number[][], rng: Rng): LmBatch {
  return model.family === 'encoder' ? mlmBatch(windows, model.config.vocabSize, rng) : clmBatch(windows);
}

export function lmLoss(model: Model, b: LmBatch): tf.Scalar {
  const h = model.hidden(b.ids, b.mask);
  const flat = tf.reshape(h, [-1, h.shape[2]]) as tf.Tensor2D;
  return crossEntropy(model.lmLogits(tf.gather(flat, b.positions) as tf.Tensor2D), b.targets);
}

export function disposeLmBatch(b: LmBatch): void {
  tf.dispose([b.ids, b.mask, b.positions, b.targets]);
}

/** Mean LM loss over fixed held-out windows (same windows and masks every call, so values compare). */
export async function heldOutLoss(model: Model, streams: number[][], seqLen: number, n = 64, batchSize = 16): Promise<number> {
  const rng = new Rng(1234);
  const len = model.family === 'encoder' ? seqLen - 1 : seqLen + 1;
  const windows = sampleWindows(streams, len, n, rng);
  const wasTraining = model.training;
  model.training = false;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < windows.length; i += batchSize) {
    const b = lmBatchFor(model, windows.slice(i, i + batchSize), rng);
    const loss = tf.tidy(() => lmLoss(model, b));
    sum += (await loss.data())[0] * (i + batchSize > n ? n - i : batchSize);
    count += Math.min(batchSize, n - i);
    loss.dispose();
    disposeLmBatch(b);
  }
  model.training = wasTraining;
  return sum / count;
}
