// Seeded dropout: tf.dropout without a seed draws from an unseeded generator, so trials (and tests) would not repeat.
import * as tf from '@tensorflow/tfjs';
import { SeedStream } from '../../harness/model/module.js';

/** Returns dropout(x, rate) drawing each mask from its own seed of one stream started at `seed`. */
export function seededDropout(seed: number): (x: tf.Tensor, rate: number) => tf.Tensor {
  const seeds = new SeedStream(seed + 104729);
  return (x, rate) => (rate > 0 ? tf.dropout(x, rate, undefined, seeds.next()) : x);
}
