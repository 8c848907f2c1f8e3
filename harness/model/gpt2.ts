// GPT-2 block layout, for imported GPT-2 checkpoints: learned positions, pre-LayerNorm blocks with biases, GELU (tanh) MLP,
// final LayerNorm, LM head tied to the token embeddings. Same parameter names and hook points as encoder.ts/decoder.ts.
import * as tf from '@tensorflow/tfjs';
import type { Backbone, Embedded, ModelParts } from './backbone.js';
import { selfAttention } from './attention.js';
import { lastTokenHead } from './last-token-head.js';
import { causalBias, gelu, layerNorm, paddingBias } from './layers.js';

export function gpt2Backbone(m: ModelParts): Backbone {
  const { vocabSize: V, dModel: d, nHeads, dFF, maxLen, normEps: eps } = m.config;
  const tok = m.param('embed.tok.weight', [V, d], 'normal');
  const pos = m.param('embed.pos.weight', [maxLen, d], 'normal');
  const norm = (name: string) => [m.param(`${name}.weight`, [d], 'ones'), m.param(`${name}.bias`, [d], 'zeros')] as const;
  const layers = m.layerIndices().map((i) => {
    const p = `layers.${i}`;
    return {
      attnNorm: norm(`${p}.attn_norm`),
      // GPT-2 stores q, k, v as one Conv1D c_attn [d, 3d]; the importer splits it so each is a hook point of its own.
      attn: { q: m.linear(`${p}.attn.q`, d, d, true), k: m.linear(`${p}.attn.k`, d, d, true), v: m.linear(`${p}.attn.v`, d, d, true), o: m.linear(`${p}.attn.o`, d, d, true) },
      ffnNorm: norm(`${p}.ffn_norm`),
      up: m.linear(`${p}.ffn.up`, d, dFF, true),
      down: m.linear(`${p}.ffn.down`, dFF, d, true),
    };
  });
  const finalNorm = norm('norm');

  function block(i: number, x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    const L = layers[i];
    const p = `layers.${i}`;
    const attn = (x: tf.Tensor) =>
      m.hooks.call(`${p}.attn`, x, (x: tf.Tensor) => {
        const S = x.shape[1]!;
        return selfAttention(m.hooks, p, L.attn, x, nHeads, tf.add(paddingBias(mask), causalBias(S, S))); // bias [B,1,S,S]
      });
    const ffn = (x: tf.Tensor) =>
      m.hooks.call(`${p}.ffn`, x, (x: tf.Tensor) => L.down.forward(m.hooks.call(`${p}.ffn.act`, gelu(L.up.forward(x)), (z: tf.Tensor) => z)));
    x = tf.add(x, attn(layerNorm(x, L.attnNorm[0], L.attnNorm[1], eps))); // x + attn(ln_1(x))  [B,S,d]
    return tf.add(x, ffn(layerNorm(x, L.ffnNorm[0], L.ffnNorm[1], eps))); // x + mlp(ln_2(x))
  }

  return {
    hidden(ids, mask) {
      const e: Embedded = m.hooks.call('embed', { ids, mask }, ({ ids, mask }) => {
        const T = ids.shape[1];
        if (T > maxLen) throw new Error(`Sequence length ${T} exceeds GPT-2's ${maxLen} positions.`);
        return { h: tf.add(m.hooks.call('embed.tok', ids, (ids) => tf.gather(tok, ids)), tf.slice(pos, [0, 0], [T, d])), mask, prefix: 0 };
      });
      if (e.h.shape[1]! > maxLen) throw new Error(`Sequence length ${e.h.shape[1]} (with prepended positions) exceeds GPT-2's ${maxLen} positions.`);
      let x = e.h;
      for (const i of m.layerIndices()) x = m.runBlock(i, (x, [mask]) => block(i, x, mask), x, [e.mask]);
      x = layerNorm(x, finalNorm[0], finalNorm[1], eps);
      const T = ids.shape[1];
      return (e.prefix ? tf.slice(x, [0, e.prefix, 0], [-1, T, -1]) : x) as tf.Tensor3D;
    },
    lmLogits(h) {
      return tf.matMul(h, tok as tf.Tensor2D, false, true) as tf.Tensor2D; // tied to the token embeddings
    },
    head(nOut, prefix = 'head') {
      return lastTokenHead(m, d, nOut, prefix);
    },
  };
}
