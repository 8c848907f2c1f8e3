// LLaMA-like decoder: pre-RMSNorm blocks, RoPE attention with a causal mask, SwiGLU FFN, untied LM head.
import * as tf from '@tensorflow/tfjs';
import type { Backbone, Embedded, Model } from './model.js';
import { lastTokenHead } from './last-token-head.js';
import { applyRope, attention, causalBias, mergeHeads, paddingBias, rmsNorm, ropeTables, silu, splitHeads } from './layers.js';

export function decoderBackbone(m: Model): Backbone {
  const { vocabSize: V, dModel: d, nHeads, dFF, normEps: eps } = m.config;
  const hd = d / nHeads;
  const tok = m.param('embed.tok.weight', [V, d], 'normal');
  const layers = m.layerIndices().map((i) => {
    const p = `layers.${i}`;
    return {
      attnNorm: m.param(`${p}.attn_norm.weight`, [d], 'ones'),
      q: m.linear(`${p}.attn.q`, d, d, false),
      k: m.linear(`${p}.attn.k`, d, d, false),
      v: m.linear(`${p}.attn.v`, d, d, false),
      o: m.linear(`${p}.attn.o`, d, d, false),
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
    const a = m.hooks.call(`${p}.attn`, rmsNorm(x, L.attnNorm, eps), (x: tf.Tensor) => {
      const S = x.shape[1]!;
      const qkv = m.hooks.call(
        `${p}.attn.qkv`,
        {
          q: applyRope(splitHeads(L.q.forward(x), nHeads), ...rope), // [B,H,S,hd]
          k: applyRope(splitHeads(L.k.forward(x), nHeads), ...rope),
          v: splitHeads(L.v.forward(x), nHeads),
          bias: tf.add(paddingBias(mask), causalBias(S, S)) as tf.Tensor, // [B,1,S,S]
        },
        (z) => z,
      );
      return L.o.forward(mergeHeads(attention(qkv.q, qkv.k, qkv.v, qkv.bias)));
    });
    x = tf.add(x, a);
    const f = m.hooks.call(`${p}.ffn`, rmsNorm(x, L.ffnNorm, eps), (x: tf.Tensor) =>
      L.down.forward(m.hooks.call(`${p}.ffn.act`, tf.mul(silu(L.gate.forward(x)), L.up.forward(x)), (z: tf.Tensor) => z)),
    );
    return tf.add(x, f);
  }

  return {
    hidden(ids, mask) {
      const e: Embedded = m.hooks.call('embed', { ids, mask }, ({ ids, mask }) => ({ h: m.hooks.call('embed.tok', ids, (ids) => tf.gather(tok, ids)), mask, prefix: 0 }));
      const S = e.h.shape[1]!;
      const rope = ropeTables(S, hd, m.config.ropeTheta, m.config.ropeScale);
      let x = e.h;
      for (const i of m.layerIndices()) x = block(i, x, e.mask, rope);
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
