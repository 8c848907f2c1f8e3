// RoBERTa-like encoder: learned positions, post-LayerNorm blocks, GELU FFN, MLM head tied to the embeddings.
import * as tf from '@tensorflow/tfjs';
import type { Backbone, Embedded, ModelParts } from './backbone.js';
import { selfAttention } from './attention.js';
import { gelu, geluErf, layerNorm, paddingBias } from './layers.js';

export function encoderBackbone(m: ModelParts): Backbone {
  const { vocabSize: V, dModel: d, nLayers, nHeads, dFF, maxLen, normEps: eps } = m.config;
  const tok = m.param('embed.tok.weight', [V, d], 'normal');
  const pos = m.param('embed.pos.weight', [maxLen, d], 'normal');
  const norm = (name: string) => [m.param(`${name}.weight`, [d], 'ones'), m.param(`${name}.bias`, [d], 'zeros')] as const;
  const embNorm = norm('embed.norm');
  const act = m.config.act === 'gelu-erf' ? geluErf : gelu; // imported BERT/RoBERTa use the exact GELU

  const layers = m.layerIndices().map((i) => {
    const p = `layers.${i}`;
    return {
      attn: { q: m.linear(`${p}.attn.q`, d, d, true), k: m.linear(`${p}.attn.k`, d, d, true), v: m.linear(`${p}.attn.v`, d, d, true), o: m.linear(`${p}.attn.o`, d, d, true) },
      attnNorm: norm(`${p}.attn_norm`),
      up: m.linear(`${p}.ffn.up`, d, dFF, true),
      down: m.linear(`${p}.ffn.down`, dFF, d, true),
      ffnNorm: norm(`${p}.ffn_norm`),
    };
  });
  const lmDense = m.linear('lm_head.dense', d, d, true);
  const lmNorm = norm('lm_head.norm');
  const lmBias = m.param('lm_head.bias', [V], 'zeros');

  function embed(ids: tf.Tensor2D, mask: tf.Tensor2D): Embedded {
    const T = ids.shape[1];
    if (T > maxLen) throw new Error(`Sequence length ${T} exceeds the encoder's ${maxLen} positions.`);
    const h = tf.add(m.hooks.call('embed.tok', ids, (ids) => tf.gather(tok, ids)), tf.slice(pos, [0, 0], [T, d])); // [B,T,d]
    return { h: layerNorm(h, embNorm[0], embNorm[1], eps), mask, prefix: 0 };
  }

  function block(i: number, x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    const L = layers[i];
    const p = `layers.${i}`;
    const attn = (x: tf.Tensor) => m.hooks.call(`${p}.attn`, x, (x: tf.Tensor) => selfAttention(m.hooks, p, L.attn, x, nHeads, paddingBias(mask))); // bias [B,1,1,S]
    const ffn = (x: tf.Tensor) =>
      m.hooks.call(`${p}.ffn`, x, (x: tf.Tensor) => L.down.forward(m.hooks.call(`${p}.ffn.act`, act(L.up.forward(x)), (z: tf.Tensor) => z)));
    x = layerNorm(tf.add(x, attn(x)), L.attnNorm[0], L.attnNorm[1], eps); // norm(x + attn(x))  [B,T,d]
    return layerNorm(tf.add(x, ffn(x)), L.ffnNorm[0], L.ffnNorm[1], eps); // norm(x + ffn(x))
  }

  return {
    hidden(ids, mask) {
      const e = m.hooks.call('embed', { ids, mask }, ({ ids, mask }) => embed(ids, mask));
      let x = e.h;
      for (const i of m.layerIndices()) x = m.runBlock(i, (x, [mask]) => block(i, x, mask), x, [e.mask]);
      const T = ids.shape[1];
      return (e.prefix ? tf.slice(x, [0, e.prefix, 0], [-1, T, -1]) : x) as tf.Tensor3D;
    },
    lmLogits(h) {
      const z = layerNorm(act(lmDense.forward(h)), lmNorm[0], lmNorm[1], eps);
      return tf.add(tf.matMul(z as tf.Tensor2D, tok as tf.Tensor2D, false, true), lmBias) as tf.Tensor2D; // tied to the token embeddings
    },
    head(nOut, prefix = 'head') {
      // RoBERTa's classification head: first token → dense → tanh → out.
      const hd = m.linear(`${prefix}.dense`, d, d, true);
      const out = m.linear(`${prefix}.out`, d, nOut, true);
      return (h) => {
        const first = tf.reshape(tf.slice(h, [0, 0, 0], [-1, 1, -1]), [h.shape[0], d]);
        return out.forward(tf.tanh(hd.forward(first))) as tf.Tensor2D;
      };
    },
  };
}
