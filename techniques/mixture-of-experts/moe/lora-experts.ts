// A mixture of LoRA experts on a linear layer: y = x W + s · Σ_e g_e(x) · x A_e B_e, B_e = 0 at init, one router per layer.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../../harness/model/model.js';
import { SeedStream, type Linear } from '../../../harness/model/module.js';
import { initA } from '../../shared/delta-layer.js';
import { Router, type Routed } from './router.js';
import type { MoeRecorder } from './recorder.js';
import { seededDropout } from '../../shared/dropout.js';
import type { ParamGroup } from '../../../harness/plugin.js';
import type { AdapterModule } from '../../shared/applied.js';
import { cloneNamed, loadNamed } from '../../shared/state.js';

/** The experts' LoRA hyper-parameters, as the plugins' configs name them: scale α/r, dropout on the experts' input. */
export interface ExpertLora {
  r: number;
  alpha: number;
  dropout: number;
  targets: string;
}

/** How tokens reach the experts. */
export interface Routing {
  /** Experts on a linear of this layer (MoLA varies it by depth). */
  experts: (layer: number) => number;
  /** null: soft mixture of every expert; k: the top-k, renormalised. */
  topK: number | null;
  /** The balancing term of one routing (added to the pass's auxiliary loss), or null for none. */
  balance?: (routed: Routed, x: tf.Tensor, recorder: MoeRecorder) => tf.Scalar | null;
}

export interface ExpertSite {
  linear: Linear;
  layer: number;
  E: number;
  router: Router;
  A: tf.Variable; // [d_in, E·r]: the experts' A side by side
  B: tf.Variable; // [E·r, d_out]
}

export function layerOf(name: string): number {
  const m = /^layers\.(\d+)\./.exec(name);
  if (!m) throw new Error(`"${name}" is not inside a transformer layer (layers.N.*).`);
  return Number(m[1]);
}

export class LoraExperts implements AdapterModule {
  readonly sites: ExpertSite[];
  private readonly removers: (() => void)[] = [];

  constructor(model: Model, lora: ExpertLora, seed: number, routing: Routing, recorder: MoeRecorder) {
    const targets = model.find(lora.targets);
    if (targets.length === 0) throw new Error('No linear layer matches the technique\'s target modules.');
    const seeds = new SeedStream(seed + 7919);
    const drop = seededDropout(seed);
    const { r } = lora;
    const scale = lora.alpha / r;
    this.sites = targets.map((linear) => {
      const layer = layerOf(linear.name);
      const E = routing.experts(layer);
      return {
        linear,
        layer,
        E,
        router: new Router(linear.dIn, E, seeds.next()),
        A: tf.tidy(() => tf.variable(initA(linear.dIn, E * r, seeds.next()), true)),
        B: tf.tidy(() => tf.variable(tf.zeros([E * r, linear.dOut]), true)),
      };
    });
    for (const s of this.sites) {
      this.removers.push(
        model.hooks.wrap(s.linear.name, (x: tf.Tensor, next: (x: tf.Tensor) => tf.Tensor) => {
          const y = next(x);
          const x2 = tf.reshape(x, [-1, s.linear.dIn]) as tf.Tensor2D; // [N, d_in]
          const routed = s.router.route(x2, routing.topK);
          recorder.record(s.layer, x, routed.load, s.E);
          const term = model.training ? routing.balance?.(routed, x, recorder) : null;
          if (term) recorder.addAux(term);
          const xd = model.training ? drop(x2, lora.dropout) : x2;
          const N = x2.shape[0];
          const h = tf.reshape(tf.matMul(xd, s.A), [N, s.E, r]); // every expert's x A_e
          const mixed = tf.reshape(tf.mul(h, tf.expandDims(routed.gates, -1)), [N, s.E * r]); // g_e · x A_e
          return tf.add(y, tf.reshape(tf.mul(tf.matMul(mixed, s.B), scale), y.shape)); // + s Σ_e g_e x A_e B_e
        }),
      );
    }
  }

  vars(): tf.Variable[] {
    return this.sites.flatMap((s) => [s.router.W, s.A, s.B]);
  }

  groups(): ParamGroup[] {
    return [{ vars: this.vars() }];
  }

  params(): tf.Variable[] {
    return this.vars();
  }

  private named(): [string, tf.Variable][] {
    return this.sites.flatMap((s) => [
      [`${s.linear.name}.moe_router`, s.router.W],
      [`${s.linear.name}.moe_lora_A`, s.A],
      [`${s.linear.name}.moe_lora_B`, s.B],
    ] as [string, tf.Variable][]);
  }

  state(): Record<string, tf.Tensor> {
    return cloneNamed(this.named());
  }

  load(s: Record<string, tf.Tensor>): void {
    loadNamed(this.named(), s);
  }

  dispose(): void {
    this.removers.forEach((r) => r());
    for (const s of this.sites) tf.dispose([s.router.W, s.A, s.B]);
  }
}
