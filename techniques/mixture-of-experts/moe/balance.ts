// Router balancing losses: Switch Transformer's auxiliary load-balancing loss and LoRAMoE's localised balancing constraint.
import * as tf from '@tensorflow/tfjs';

/**
 * Switch Transformer (Fedus et al., 2021, eq. 4): E · Σ_i f_i · P_i, with f_i the share of (token, slot) dispatches
 * sent to expert i (a constant: counting is not differentiable) and P_i the mean router probability of expert i.
 * 1 when routing is uniform, E when every token goes to one expert. `mask` [N] drops padding positions.
 */
export function switchBalance(probs: tf.Tensor2D, dispatch: tf.Tensor2D, mask: tf.Tensor1D | null): tf.Scalar {
  const E = probs.shape[1];
  const w = mask ? tf.reshape(mask, [-1, 1]) : tf.onesLike(tf.slice(probs, [0, 0], [-1, 1]));
  const n = tf.sum(w);
  const f = tf.div(tf.sum(tf.mul(dispatch, w), 0), tf.sum(tf.mul(dispatch, w))); // [E], Σ f = 1
  const P = tf.div(tf.sum(tf.mul(probs, w), 0), n); // [E]
  return tf.mul(E, tf.sum(tf.mul(f, P))) as tf.Scalar;
}

/** cv²(z) = var(z) / (mean(z)² + ε): the scale-free dispersion both Shazeer et al. (2017) and LoRAMoE penalise. */
export function cvSquared(z: tf.Tensor): tf.Scalar {
  const { mean, variance } = tf.moments(tf.reshape(z, [-1]));
  return tf.div(variance, tf.add(tf.square(mean), 1e-10)) as tf.Scalar;
}

/**
 * LoRAMoE's localised balancing constraint (Dou et al., 2023, §3.2): experts split into two groups (world knowledge,
 * downstream task); Q[m, i] = Σ_{t ∈ sample m} g_i(x_t) is expert i's importance on sample m, and
 * I[m, i] = 1 + δ where expert i's group matches sample m's type, else 1 − δ. The loss is cv²(I ⊙ Q): balanced within
 * a group, while the matching group is allowed (1 + δ)/(1 − δ) the weight of the other.
 * gates [B, S, E]; mask [B, S] (1 = token) or null; sampleGroup: the group (0 or 1) this task's samples belong to.
 */
export function localisedBalance(gates: tf.Tensor3D, mask: tf.Tensor2D | null, delta: number, sampleGroup: 0 | 1): tf.Scalar {
  const E = gates.shape[2];
  const g = mask ? tf.mul(gates, tf.expandDims(mask, -1)) : gates;
  const Q = tf.sum(g, 1); // [B, E]
  // As in the reference implementation, the first ⌊E/2⌋ experts form group 1 and the rest group 0.
  const half = Math.floor(E / 2);
  const I = Float32Array.from({ length: E }, (_, i) => ((i < half ? 1 : 0) === sampleGroup ? 1 + delta : 1 - delta));
  return cvSquared(tf.mul(Q, tf.tensor1d(I)));
}
