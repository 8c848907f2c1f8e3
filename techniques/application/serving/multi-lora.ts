// Serving many LoRA adapters on one base (S-LoRA): a batch whose rows use different unmerged adapters, against merging per request.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../../harness/model/model.js';
import type { Linear } from '../../../harness/model/module.js';

/** One adapter: its pair per target linear, by linear name. */
export type AdapterPairs = Map<string, { A: tf.Tensor2D; B: tf.Tensor2D }>;

/**
 * Backbone outputs [B,T,d] where row b runs adapter `rowAdapter[b]`, all in one forward pass: each target linear
 * gathers its rows' pairs, A_g [B, d_in, r] and B_g [B, r, d_out], and adds s · (x A_g) B_g as two batched matmuls.
 * The wrappers call the linear's base, so a trained adapter hooked on the same layers is bypassed while serving.
 */
export function forwardUnmerged(model: Model, linears: Linear[], adapters: AdapterPairs[], scale: number, ids: tf.Tensor2D, mask: tf.Tensor2D, rowAdapter: number[]): tf.Tensor3D {
  const was = model.training;
  model.training = false;
  const removers: (() => void)[] = [];
  try {
    return tf.tidy(() => {
      const idx = tf.tensor1d(rowAdapter, 'int32');
      for (const l of linears) {
        const A = tf.gather(tf.stack(adapters.map((a) => a.get(l.name)!.A)), idx) as tf.Tensor3D; // [B, d_in, r]
        const B = tf.gather(tf.stack(adapters.map((a) => a.get(l.name)!.B)), idx) as tf.Tensor3D; // [B, r, d_out]
        removers.push(
          model.hooks.wrap(l.name, (x: tf.Tensor) => {
            const x3 = tf.reshape(x, [rowAdapter.length, -1, l.dIn]) as tf.Tensor3D; // [B, T, d_in]
            const delta = tf.matMul(tf.matMul(x3, A), B); // [B, T, d_out]
            return tf.add(l.base(x), tf.reshape(tf.mul(delta, scale), [...x.shape.slice(0, -1), l.dOut]));
          }),
        );
      }
      return model.hidden(ids, mask);
    });
  } finally {
    removers.forEach((r) => r());
    model.training = was;
  }
}

/** The same outputs the conventional way: for each request, merge its adapter into W, run the row alone, restore W. */
export function forwardMergedPerRequest(model: Model, linears: Linear[], adapters: AdapterPairs[], scale: number, ids: tf.Tensor2D, mask: tf.Tensor2D, rowAdapter: number[]): tf.Tensor3D {
  const was = { training: model.training, hooks: model.hooks.enabled };
  const saved = linears.map((l) => tf.clone(l.weight));
  model.training = false;
  model.hooks.enabled = false; // a merged model runs no adapter code
  const rows: tf.Tensor3D[] = [];
  try {
    rowAdapter.forEach((a, b) => {
      linears.forEach((l, i) => tf.tidy(() => {
        const { A, B } = adapters[a].get(l.name)!;
        l.weight.assign(tf.add(saved[i], tf.mul(tf.matMul(A, B), scale)));
      }));
      rows.push(tf.tidy(() => model.hidden(tf.slice(ids, [b, 0], [1, -1]), tf.slice(mask, [b, 0], [1, -1]))));
    });
    return tf.concat(rows, 0);
  } finally {
    linears.forEach((l, i) => l.weight.assign(saved[i]));
    tf.dispose([...saved, ...rows]);
    model.training = was.training;
    model.hooks.enabled = was.hooks;
  }
}
