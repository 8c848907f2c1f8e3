// Fixed 0/1 gradient masks over parameter entries, and the sparse difference (indices + values) they leave behind.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../harness/model/model.js';
import type { Applied } from '../../harness/plugin.js';
import { footprint } from './footprint.js';
import { cloneNamed, loadNamed } from './state.js';

/** A 0/1 float tensor per variable, shaped like it: 1 = the entry may move. */
export type Masks = Map<tf.Variable, tf.Tensor>;

/**
 * The parameters a selection method chooses among: everything but the task head (the harness trains it in full
 * beside every technique) and, when a task head is attached, the unused language-model head.
 */
export function maskableParams(model: Model, pattern = '**'): [string, tf.Variable][] {
  return model.named(pattern).filter(([n]) => !n.startsWith('head.') && !(model.hasHead && n.startsWith('lm_head')));
}

/**
 * The coarsest mask: whole tensors. `named` train in place; the saved state is their
 * values (they replace the base's). BitFit, LN tuning and partial fine-tuning are this with different selections.
 */
export function maskWhole(model: Model, named: [string, tf.Variable][]): Applied {
  const groups = () => [{ vars: named.map(([, v]) => v) }];
  return {
    paramGroups: groups,
    adapterState: () => cloneNamed(named),
    loadAdapterState: (s) => loadNamed(named, s),
    footprint: () => footprint(model, groups()),
    dispose: () => {},
  };
}

/** Masks keeping exactly the k highest-scoring entries over all variables together (ties broken by order). */
export function maskTopK(scores: Map<tf.Variable, tf.Tensor>, k: number): Masks {
  const entries = [...scores].map(([v, s]) => [v, s.dataSync() as Float32Array] as const);
  const total = entries.reduce((n, [, s]) => n + s.length, 0);
  const keep = Math.max(0, Math.min(total, Math.round(k)));
  const all = new Float32Array(total);
  let o = 0;
  for (const [, s] of entries) {
    all.set(s, o);
    o += s.length;
  }
  const threshold = keep > 0 ? all.slice().sort()[total - keep] : Infinity;
  // Strictly above the threshold first, then ties in order until exactly k.
  let above = 0;
  for (const x of all) if (x > threshold) above++;
  let ties = keep - above;
  const masks: Masks = new Map();
  for (const [v, s] of entries) {
    const m = new Float32Array(s.length);
    for (let i = 0; i < s.length; i++) {
      if (s[i] > threshold) m[i] = 1;
      else if (s[i] === threshold && ties > 0) {
        m[i] = 1;
        ties--;
      }
    }
    masks.set(v, tf.tensor(m, v.shape));
  }
  return masks;
}

/** g ⊙ mask · scale for masked variables; other gradients pass through untouched. Never disposes its inputs. */
export function maskGrads(grads: Map<tf.Variable, tf.Tensor>, masks: Masks, scale = 1): Map<tf.Variable, tf.Tensor> {
  return new Map(
    [...grads].map(([v, g]) => {
      const m = masks.get(v);
      return [v, m ? tf.tidy(() => (scale === 1 ? tf.mul(g, m) : tf.mul(g, tf.mul(m, scale)))) : g];
    }),
  );
}

/** Entries a set of masks lets move. */
export function maskCount(masks: Masks): number {
  let n = 0;
  for (const m of masks.values()) {
    const s = tf.tidy(() => tf.sum(m));
    n += s.dataSync()[0];
    s.dispose();
  }
  return Math.round(n);
}

export function maskDispose(masks: Masks): void {
  tf.dispose([...masks.values()]);
  masks.clear();
}

/**
 * The sparse difference a masked fine-tuning leaves: per variable, the flat indices of its masked entries and the
 * base values there, recorded while the weights still equal the base. `state()` saves indices + differences.
 */
export class MaskDiff {
  private readonly idx = new Map<tf.Variable, tf.Tensor1D>(); // int32 [k_v]
  private readonly base = new Map<tf.Variable, tf.Tensor1D>(); // [k_v]

  constructor(private readonly named: [string, tf.Variable][], masks: Masks) {
    for (const [, v] of named) {
      const m = masks.get(v);
      if (!m) continue;
      const flat = m.dataSync();
      const at: number[] = [];
      for (let i = 0; i < flat.length; i++) if (flat[i] !== 0) at.push(i);
      const idx = tf.tensor1d(at, 'int32');
      this.idx.set(v, idx);
      this.base.set(v, tf.tidy(() => tf.gather(tf.reshape(v, [-1]), idx)) as tf.Tensor1D);
    }
  }

  /** `<name>.sft_idx` (int32 flat indices) and `<name>.sft_diff` (current − base there) for every masked variable. */
  state(): Record<string, tf.Tensor> {
    const s: Record<string, tf.Tensor> = {};
    for (const [name, v] of this.named) {
      const idx = this.idx.get(v);
      if (!idx) continue;
      s[`${name}.sft_idx`] = tf.clone(idx);
      s[`${name}.sft_diff`] = tf.tidy(() => tf.sub(tf.gather(tf.reshape(v, [-1]), idx), this.base.get(v)!));
    }
    return s;
  }

  /**
   * Sets the covered entries to base + a saved difference (as composable-sft applies an SFT onto its base model);
   * the saved indices must be this diff's (build it from `maskFromState(state)`).
   */
  load(state: Record<string, tf.Tensor>): void {
    for (const [name, v] of this.named) {
      const idx = this.idx.get(v);
      if (!idx) continue;
      tf.tidy(() => {
        const value = tf.add(this.base.get(v)!, state[`${name}.sft_diff`]);
        const at = tf.reshape(idx, [-1, 1]);
        const flat = tf.reshape(v, [-1]);
        // flat − scatter(flat[idx]) + scatter(value): replaces the covered entries, keeps the rest bit-exact.
        const out = tf.add(tf.mul(flat, tf.sub(1, tf.scatterND(at, tf.onesLike(value), [v.size]))), tf.scatterND(at, value, [v.size]));
        v.assign(tf.reshape(out, v.shape));
      });
    }
  }

  covers(v: tf.Variable): boolean {
    return (this.idx.get(v)?.size ?? 0) > 0;
  }

  /** Entries the difference covers. */
  size(): number {
    let n = 0;
    for (const i of this.idx.values()) n += i.size;
    return n;
  }

  dispose(): void {
    tf.dispose([...this.idx.values(), ...this.base.values()]);
    this.idx.clear();
    this.base.clear();
  }
}

/** The masks a saved sparse difference's indices define (one per variable it covers). Names the first malformed tensor. */
export function maskFromState(named: [string, tf.Variable][], state: Record<string, tf.Tensor>): Masks {
  const masks: Masks = new Map();
  for (const [name, v] of named) {
    const idx = state[`${name}.sft_idx`];
    const diff = state[`${name}.sft_diff`];
    if (!idx && !diff) continue;
    if (!idx || !diff || idx.dtype !== 'int32' || idx.rank !== 1 || diff.shape.join() !== idx.shape.join()) {
      throw new Error(`The adapter state's sparse difference for "${name}" needs int32 sft_idx and sft_diff of one length.`);
    }
    masks.set(v, tf.tidy(() => tf.reshape(tf.scatterND(tf.reshape(idx, [-1, 1]), tf.onesLike(diff), [v.size]), v.shape)));
  }
  return masks;
}
