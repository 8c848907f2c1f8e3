// LLaMA-like decoder: pre-RMSNorm blocks, RoPE attention with a causal mask (grouped-query when nKvHeads < nHeads), SwiGLU FFN,
// untied LM head; Qwen2's q/k/v biases when qkvBias.
import * as tf from '@tensorflow/tfjs';
import type { Backbone, Embedded, ModelParts } from './backbone.js';
import { lastTokenHead } from './last-token-head.js';
import { selfAttention } from './attention.js';
import { causalBias, paddingBias, rmsNorm, ropeTables, swiglu } from './layers.js';

export function decoderBackbone(m: ModelParts): Backbone {
  const { vocabSize: V, dModel: d, nHeads, dFF, normEps: eps } = m.config;
  const hd = d / nHeads;
  const kvHeads = m.config.nKvHeads ?? nHeads;
  if (nHeads % kvHeads !== 0) throw new Error(`nHeads ${nHeads} is not a multiple of nKvHeads ${kvHeads}.`);
  const qkvBias = m.config.qkvBias ?? false;
  const tok = m.param('embed.tok.weight', [V, d], 'normal');
  const layers = m.layerIndices().map((i) => {
    const p = `layers.${i}`;
    return {
      attnNorm: m.param(`${p}.attn_norm.weight`, [d], 'ones'),
      attn: {
        q: m.linear(`${p}.attn.q`, d, d, qkvBias),
        k: m.linear(`${p}.attn.k`, d, kvHeads * hd, qkvBias), // [d, kvH·hd]: grouped-query attention keeps fewer k/v heads
        v: m.linear(`${p}.attn.v`, d, kvHeads * hd, qkvBias),
        o: m.linear(`${p}.attn.o`, d, d, false),
      },
      ffnNorm: m.param(`${p}.ffn_norm.weight`, [d], 'ones'),
      gate: m.linear(`${p}.ffn.gate`, d, dFF, false),
      up: m.linear(`${p}.ffn.up`, d, dFF, false),
      down: m.linear(`${p}.ffn.down`, dFF, d, false),
    };
  });
  const finalNorm = m.param('norm.weight', [d], 'ones');
  const lmHead = m.linear('lm_head', d, V, false);

  function block(i: number, x: tf.Tensor, mask: tf.Tensor, rope: [tf.Tensor2D, tf.Tensor2D]): tf.Tensor {
    const L = layers[i];
    const p = `layers.${i}`;
    const attn = (x: tf.Tensor) =>
      m.hooks.call(`${p}.attn`, x, (x: tf.Tensor) => {
        const S = x.shape[1]!;
        return selfAttention(m.hooks, p, L.attn, x, nHeads, tf.add(paddingBias(mask), causalBias(S, S)), rope, kvHeads); // bias [B,1,S,S]
      });
    const ffn = (x: tf.Tensor) =>
      m.hooks.call(`${p}.ffn`, x, (x: tf.Tensor) =>
        L.down.forward(m.hooks.call(`${p}.ffn.act`, swiglu(L.gate.forward(x), L.up.forward(x)), (z: tf.Tensor) => z)), // SwiGLU: silu(gate)·up
      );
    x = tf.add(x, attn(rmsNorm(x, L.attnNorm, eps))); // x + attn(norm(x))  [B,S,d]
    return tf.add(x, ffn(rmsNorm(x, L.ffnNorm, eps))); // x + ffn(norm(x))
  }

  return {
    hidden(ids, mask) {
      const e: Embedded = m.hooks.call('embed', { ids, mask }, ({ ids, mask }) => ({ h: m.hooks.call('embed.tok', ids, (ids) => tf.gather(tok, ids)), mask, prefix: 0 }));
      const S = e.h.shape[1]!;
      const rope = ropeTables(S, hd, m.config.ropeTheta, m.config.ropeScale);
      let x = e.h;
      for (const i of m.layerIndices()) x = m.runBlock(i, (x, [mask, cos, sin]) => block(i, x, mask, [cos as tf.Tensor2D, sin as tf.Tensor2D]), x, [e.mask, ...rope]);
      x = rmsNorm(x, finalNorm, eps);
      const T = ids.shape[1];
      return (e.prefix ? tf.slice(x, [0, e.prefix, 0], [-1, T, -1]) : x) as tf.Tensor3D;
    },
    lmLogits(h) {
      return lmHead.forward(h) as tf.Tensor2D;
    },
    head(nOut, prefix = 'head') {
      return lastTokenHead(m, d, nOut, prefix);
    },
  };
}
