// A bottleneck module h ↦ up(f(down(h))) with down [d, m], up [m, d]: the body of Houlsby and parallel adapters.
import * as tf from '@tensorflow/tfjs';
import { gelu } from '../../harness/model/layers.js';
import { dense } from '../../harness/model/module.js';
import { cloneNamed, loadNamed, type Named } from './state.js';

export type Nonlinearity = 'relu' | 'gelu';

export interface BottleneckOptions {
  d: number;
  m: number;
  act: Nonlinearity;
  /** down's init: 'normal' draws N(0, std²); 'kaiming' draws U(±1/√d) as PyTorch's nn.Linear (and LoRA's A) does. */
  downInit: 'normal' | 'kaiming';
  std: number;
  seed: number;
}

const ACTS: Record<Nonlinearity, (x: tf.Tensor) => tf.Tensor> = { relu: tf.relu, gelu };

/** Every bottleneck starts with up = 0, so it adds nothing until trained (identity of the residual it feeds). */
export class Bottleneck {
  readonly down: tf.Variable; // [d, m]
  readonly downBias: tf.Variable; // [m]
  readonly up: tf.Variable; // [m, d]
  readonly upBias: tf.Variable; // [d]
  private readonly f: (x: tf.Tensor) => tf.Tensor;

  constructor(readonly opts: BottleneckOptions) {
    const { d, m, std, seed } = opts;
    const bound = 1 / Math.sqrt(d);
    this.down = tf.tidy(() =>
      tf.variable(opts.downInit === 'normal' ? tf.randomNormal([d, m], 0, std, 'float32', seed) : tf.randomUniform([d, m], -bound, bound, 'float32', seed), true),
    );
    this.downBias = tf.tidy(() => tf.variable(tf.zeros([m]), true));
    this.up = tf.tidy(() => tf.variable(tf.zeros([m, d]), true));
    this.upBias = tf.tidy(() => tf.variable(tf.zeros([d]), true));
    this.f = ACTS[opts.act];
  }

  /** h [..., d] → up(f(down(h))) [..., d] */
  forward(h: tf.Tensor): tf.Tensor {
    return dense(this.f(dense(h, this.down, this.downBias)), this.up, this.upBias);
  }

  vars(): tf.Variable[] {
    return [this.down, this.downBias, this.up, this.upBias];
  }

  private named(prefix: string): Named {
    return [
      [`${prefix}.down.weight`, this.down],
      [`${prefix}.down.bias`, this.downBias],
      [`${prefix}.up.weight`, this.up],
      [`${prefix}.up.bias`, this.upBias],
    ];
  }

  state(prefix: string): Record<string, tf.Tensor> {
    return cloneNamed(this.named(prefix));
  }

  load(prefix: string, s: Record<string, tf.Tensor>): void {
    loadNamed(this.named(prefix), s);
  }

  dispose(): void {
    tf.dispose(this.vars());
  }
}

/** One bottleneck per hook point, hooked by `wire(point, bottleneck)`; removes its hooks and frees its variables on dispose. */
export class BottleneckSet {
  readonly modules = new Map<string, Bottleneck>();
  private readonly removers: (() => void)[] = [];

  add(point: string, b: Bottleneck, remove: () => void): void {
    this.modules.set(point, b);
    this.removers.push(remove);
  }

  vars(): tf.Variable[] {
    return [...this.modules.values()].flatMap((b) => b.vars());
  }

  state(): Record<string, tf.Tensor> {
    return Object.assign({}, ...[...this.modules].map(([p, b]) => b.state(`${p}.adapter`)));
  }

  load(s: Record<string, tf.Tensor>): void {
    for (const [p, b] of this.modules) b.load(`${p}.adapter`, s);
  }

  dispose(): void {
    this.removers.forEach((r) => r());
    for (const b of this.modules.values()) b.dispose();
    this.modules.clear();
  }
}
