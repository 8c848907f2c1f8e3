// (IA)³ (Liu et al., 2022): learned vectors l_k, l_v, l_ff (init 1) rescale keys, values and the FFN activation; mergeable.
import * as tf from '@tensorflow/tfjs';
import type { Linear } from '../../harness/model/module.js';
import type { Model } from '../../harness/model/model.js';
import { footprint } from '../shared/footprint.js';
import { technique, z } from '../shared/config.js';
import { cloneNamed, loadNamed, type Named } from '../shared/state.js';

const schema = z.object({}).strict(); // the paper's method has no hyper-parameters besides where the vectors go
type Config = z.infer<typeof schema>;

interface Scaled {
  name: string; // state key
  l: tf.Variable;
  merge(): void;
}

/** k ⊙ l = x (W diag l) + b ⊙ l: scale W's columns and the bias. */
function scaleOutput(model: Model, lin: Linear, removers: (() => void)[]): Scaled {
  const l = tf.tidy(() => tf.variable(tf.ones([lin.dOut]), true));
  removers.push(model.hooks.wrap(lin.name, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => tf.mul(next(x), l)));
  return {
    name: `${lin.name}.ia3_l`,
    l,
    merge: () => {
      lin.weight.assign(tf.tidy(() => tf.mul(lin.weight, l)));
      lin.bias?.assign(tf.tidy(() => tf.mul(lin.bias!, l)));
    },
  };
}

export const ia3 = technique<Config>({
  id: 'ia3',
  name: '(IA)³',
  category: 'adapter',
  paper: { title: 'Few-Shot Parameter-Efficient Fine-Tuning is Better and Cheaper than In-Context Learning', year: 2022, arxiv: '2205.05638' },
  schema,
  properties: { identityAtInit: true, changesBase: false },
  // T-Few trains (IA)³ at lr 3e-3 (Adafactor), about ten times usual full fine-tuning rates.
  lrMultiplier: 10,
  apply(model) {
    const removers: (() => void)[] = [];
    const scaled: Scaled[] = model.find('layers.*.attn.{k,v}').map((lin) => scaleOutput(model, lin, removers));
    for (const i of model.layerIndices()) {
      // (γ(x W1) ⊙ l_ff) W2 = γ(x W1) (diag(l_ff) W2): scale W2's rows.
      const down = model.linears.get(`layers.${i}.ffn.down`)!;
      const l = tf.tidy(() => tf.variable(tf.ones([down.dIn]), true));
      removers.push(model.hooks.wrap(`layers.${i}.ffn.act`, (h: tf.Tensor, next: (h: tf.Tensor) => tf.Tensor) => tf.mul(next(h), l)));
      scaled.push({
        name: `layers.${i}.ffn.act.ia3_l`,
        l,
        merge: () => down.weight.assign(tf.tidy(() => tf.mul(down.weight, tf.reshape(l, [-1, 1])))),
      });
    }
    let merged = false;
    const vars = () => scaled.map((s) => s.l);
    const named = (): Named => scaled.map(({ name, l }) => [name, l]);
    const groups = () => [{ vars: vars() }];
    return {
      paramGroups: groups,
      merge: () => {
        if (merged) return;
        scaled.forEach((s) => s.merge());
        removers.forEach((r) => r());
        merged = true;
      },
      adapterState: () => cloneNamed(named()),
      loadAdapterState: (s) => loadNamed(named(), s),
      footprint: () => footprint(model, groups(), vars()),
      dispose: () => {
        if (!merged) removers.forEach((r) => r());
        tf.dispose(vars());
      },
    };
  },
});
