// Per-forward bookkeeping of a mixture: which positions are tokens, expert utilisation, and the balancing terms the
// trainer collects through auxLoss() inside the same gradient tape.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../../harness/model/model.js';
import type { Embedded } from '../../../harness/model/model.js';
import { Utilisation } from './utilisation.js';
import type { AdapterModule } from '../../shared/applied.js';

export class MoeRecorder implements AdapterModule {
  /** Utilisation over training forward passes (what the balancing loss shapes) and over the others (evaluation). */
  readonly train = new Utilisation();
  readonly eval = new Utilisation();
  private mask: tf.Tensor | null = null;
  private maskData: Float32Array | null = null;
  /** Balancing terms of the current training forward pass; they live in the trainer's tape scope until auxLoss(). */
  private pending: tf.Scalar[] = [];
  private readonly remove: () => void;
  /** coef × (mean or sum of this pass's balancing terms), with `aux`; the trainer adds it to the loss. */
  readonly auxLoss?: () => tf.Scalar | null;

  /** aux: how the balancing terms enter the loss (Switch/Mixtral: coef × mean over layers; LoRAMoE: β × sum). */
  constructor(private readonly model: Model, aux?: { coef: number; reduce: 'mean' | 'sum' }) {
    if (aux) {
      this.auxLoss = () => {
        const t = aux.reduce === 'mean' ? this.meanAux() : this.sumAux();
        return t && (tf.mul(t, aux.coef) as tf.Scalar);
      };
    }
    // The embed point runs once at the start of every forward pass: the padding mask is known there, and terms of an
    // earlier pass whose loss nobody collected (disposed by their tidy scope) are dropped.
    this.remove = model.hooks.wrap('embed', (input, next) => {
      const e = next(input);
      this.mask = e.mask;
      this.maskData = null;
      this.pending = [];
      return e;
    });
  }

  /** The padding mask [B, S] of the current pass when x [B, S, ...] is laid out like it; else null (count all). */
  maskFor(x: tf.Tensor): tf.Tensor2D | null {
    const m = this.mask;
    if (!m || m.isDisposed || x.rank < 3 || m.shape[0] !== x.shape[0] || m.shape[1] !== x.shape[1]) return null;
    return m as tf.Tensor2D;
  }

  /** Records one router's per-token load (N×E) on `layer`, for routing input x [B, S, d]. */
  record(layer: number, x: tf.Tensor, load: Float32Array, E: number): void {
    const m = this.maskFor(x);
    if (m && !this.maskData) this.maskData = m.dataSync() as Float32Array;
    (this.model.training ? this.train : this.eval).add(layer, load, E, m ? this.maskData : null);
  }

  /** Adds a balancing term of this pass (kept only while training). */
  addAux(term: tf.Scalar): void {
    if (this.model.training) this.pending.push(term);
  }

  /** Mean of this pass's balancing terms (null when there are none), then forgets them. */
  meanAux(): tf.Scalar | null {
    const terms = this.pending.filter((t) => !t.isDisposed);
    this.pending = [];
    if (!this.model.training || terms.length === 0) return null;
    return tf.div(tf.addN(terms), terms.length) as tf.Scalar;
  }

  /** Sum of this pass's balancing terms (null when there are none), then forgets them. */
  sumAux(): tf.Scalar | null {
    const terms = this.pending.filter((t) => !t.isDisposed);
    this.pending = [];
    if (!this.model.training || terms.length === 0) return null;
    return tf.addN(terms) as tf.Scalar;
  }

  /** Training utilisation when the model trained, else what evaluation passes saw. */
  metrics(): Record<string, number> {
    return (this.train.empty ? this.eval : this.train).metrics();
  }

  dispose(): void {
    this.remove();
    this.pending = [];
    this.mask = null;
  }
}
