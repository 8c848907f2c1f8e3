// The benchmark training step at each size of the table below (`small`: issue 3's reference, the project's encoder
// d 128; `base`: BERT-base's shape): classification loss, clipping, AdamW; full fine-tuning or LoRA on q and v. `1b`
// is TinyLlama-1.1B's decoder shape with QLoRA (NF4 base packed as it is built, LoRA on every block linear, gradient
// checkpointing) and the causal-LM loss, as issue 16 asks.
import * as tf from '@tensorflow/tfjs';
import { Model } from '../harness/model/model.js';
import type { ModelConfig } from '../harness/model/config.js';
import { AdamW } from '../harness/train/adamw.js';
import { globalNormClip } from '../harness/train/trainer.js';
import { crossEntropy } from '../harness/train/objectives/index.js';
import { fullFt } from '../techniques/training-method/full-ft.js';
import { lora } from '../techniques/adapter/lora.js';
import { qlora } from '../techniques/quantization/qlora.js';
import { BlockCheckpointer } from '../harness/model/checkpoint.js';
import type { ApplyContext } from '../harness/plugin.js';

export type StepKind = 'full_ft' | 'lora' | 'qlora';

/** One benchmark shape; bench/torch_twin.py's SIZES holds the same rows. Add a size by adding a row to both. */
export interface BenchSize {
  family: 'encoder' | 'decoder';
  vocab: number; dModel: number; nLayers: number; nHeads: number; dFF: number;
  seq: number; batch: number; classes: number; loraR: number;
  /** Grouped-query attention's key/value heads (decoder); default nHeads. */
  nKvHeads?: number;
  /** Gradient checkpointing per block (the budget's gradient_checkpointing). */
  checkpointing?: boolean;
  /** The steps this size times, and the bench's defaults for it (a base step takes seconds, a small one ms). */
  kinds: StepKind[];
  rounds: number; iters: number; warm: number;
  /** Whether the plain tfjs `cpu` backend is timed too (minutes per step beyond `small`). */
  tfjsCpu: boolean;
}

export const SIZES: Record<string, BenchSize> = {
  small: { family: 'encoder', vocab: 512, dModel: 128, nLayers: 2, nHeads: 4, dFF: 512, seq: 64, batch: 16, classes: 2, loraR: 8,
    kinds: ['full_ft', 'lora'], rounds: 5, iters: 10, warm: 20, tfjsCpu: true },
  // BERT-base (issue 16): 12 × 768, FFN 3072, vocabulary 8192, batch 8 × 128 tokens.
  base: { family: 'encoder', vocab: 8192, dModel: 768, nLayers: 12, nHeads: 12, dFF: 3072, seq: 128, batch: 8, classes: 2, loraR: 8,
    kinds: ['full_ft', 'lora'], rounds: 3, iters: 3, warm: 2, tfjsCpu: false },
  // BERT-base at 8 × 512 tokens: full fine-tuning must fit (issue 16).
  'base-512': { family: 'encoder', vocab: 8192, dModel: 768, nLayers: 12, nHeads: 12, dFF: 3072, seq: 512, batch: 8, classes: 2, loraR: 8,
    kinds: ['full_ft'], rounds: 2, iters: 2, warm: 1, tfjsCpu: false },
  // TinyLlama-1.1B (issue 16): d 2048, 22 layers, 32 heads, 4 KV heads, FFN 5632, vocabulary 32000, batch 4 × 256;
  // QLoRA r 16 on every block linear, checkpointed. A step takes minutes on 2 cores: one warm-up-free step per round.
  '1b': { family: 'decoder', vocab: 32000, dModel: 2048, nLayers: 22, nHeads: 32, nKvHeads: 4, dFF: 5632, seq: 256, batch: 4, classes: 0, loraR: 16,
    checkpointing: true, kinds: ['qlora'], rounds: 1, iters: 1, warm: 0, tfjsCpu: false },
};

/** Issue 3's reference step. */
export const REFERENCE = SIZES.small;

export function benchSize(name: string): BenchSize {
  const size = SIZES[name];
  if (!size) throw new Error(`Unknown bench size "${name}": choose one of ${Object.keys(SIZES).join(', ')}.`);
  return size;
}

export interface ReferenceStep {
  /** One forward + backward + clip + AdamW update; returns the loss. */
  step(): number;
  dispose(): void;
}

export function referenceStep(kind: StepKind, seed = 0, size = 'small'): ReferenceStep {
  const R = benchSize(size);
  if (R.family === 'decoder') return decoderStep(kind, seed, size, R);
  if (kind === 'qlora') throw new Error(`The ${size} size has no qlora step.`);
  const config: ModelConfig = {
    family: 'encoder', vocabSize: R.vocab, dModel: R.dModel, nLayers: R.nLayers, nHeads: R.nHeads, dFF: R.dFF,
    maxLen: R.seq, normEps: 1e-5, ropeTheta: 10000, ropeScale: 1,
  };
  const model = new Model(config, seed);
  model.addHead(R.classes);
  const ctx = { seed, totalSteps: 1000, sampleBatches: () => [], loss: () => { throw new Error('unused'); } } as unknown as ApplyContext;
  const applied = kind === 'lora'
    ? lora.apply(model, { ...lora.defaults, r: R.loraR, alpha: R.loraR }, ctx)
    : fullFt.apply(model, {}, ctx);
  const groups = applied.paramGroups();
  const vars = groups.flatMap((g) => g.vars);
  const opt = new AdamW({ lr: 1e-4, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, groups);
  // Fixed random batch: timing does not depend on the values.
  const ids = tf.tensor2d(Int32Array.from({ length: R.batch * R.seq }, (_, i) => (i * 7919 + seed) % R.vocab), [R.batch, R.seq], 'int32');
  const mask = tf.ones([R.batch, R.seq]) as tf.Tensor2D;
  const labels = tf.tensor1d(Int32Array.from({ length: R.batch }, (_, i) => i % R.classes), 'int32');
  model.training = true;
  return trainingStep(() => crossEntropy(model.classify(ids, mask), labels), vars, opt, 1e-4, () => {
    applied.dispose();
    model.dispose();
    tf.dispose([ids, mask, labels]);
  });
}

/**
 * The decoder sizes' QLoRA step: random weights made tensor by tensor, each block linear and the LM head packed to NF4
 * as it is made (the fp32 base never exists, as in a trial with Technique.packAtLoad), LoRA r on every block linear,
 * next-token loss, clipping, AdamW. The token table stays fp32 (bitsandbytes leaves embeddings unquantized).
 */
function decoderStep(kind: StepKind, seed: number, size: string, R: BenchSize): ReferenceStep {
  if (kind !== 'qlora') throw new Error(`The ${size} size has only a qlora step.`);
  const config: ModelConfig = {
    family: 'decoder', vocabSize: R.vocab, dModel: R.dModel, nLayers: R.nLayers, nHeads: R.nHeads, nKvHeads: R.nKvHeads, dFF: R.dFF,
    maxLen: R.seq, normEps: 1e-5, ropeTheta: 10000, ropeScale: 1,
  };
  const cfg = qlora.validate({ r: R.loraR, alpha: R.loraR, dropout: 0, embeddings: false });
  let k = 0;
  // Norm gains keep their init (ones); every matrix is random, drawn when the model asks for it.
  const source = (name: string) => (/norm/.test(name) ? undefined : randomWeights(shapeOf(config, name), seed * 1000 + k++));
  const model = new Model(config, seed, { source, packed: qlora.packAtLoad!(cfg)! });
  const ctx = { seed, totalSteps: 1000, sampleBatches: () => [], loss: () => { throw new Error('unused'); } } as unknown as ApplyContext;
  const applied = qlora.apply(model, cfg, ctx);
  const groups = applied.paramGroups();
  const vars = groups.flatMap((g) => g.vars);
  const opt = new AdamW({ lr: 2e-4, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, groups);
  if (R.checkpointing) model.checkpointing = new BlockCheckpointer(() => vars);
  const [B, T] = [R.batch, R.seq];
  const all = Int32Array.from({ length: B * (T + 1) }, (_, i) => (i * 7919 + seed) % R.vocab);
  const ids = tf.tensor2d(all.filter((_, i) => i % (T + 1) < T), [B, T], 'int32');
  const next = tf.tensor1d(all.filter((_, i) => i % (T + 1) > 0), 'int32'); // [B·T] the following token
  const mask = tf.ones([B, T]) as tf.Tensor2D;
  model.training = true;
  const loss = () => {
    const h = tf.reshape(model.hidden(ids, mask), [B * T, R.dModel]) as tf.Tensor2D; // [B·T, d]
    return crossEntropy(model.lmLogits(h), next);
  };
  return trainingStep(loss, vars, opt, 2e-4, () => {
    applied.dispose();
    model.dispose();
    tf.dispose([ids, next, mask]);
  });
}

/** A decoder parameter's shape by name (weights stored [d_in, d_out]; k and v narrower under grouped-query attention). */
function shapeOf(c: ModelConfig, name: string): number[] {
  const d = c.dModel, kv = (d / c.nHeads) * (c.nKvHeads ?? c.nHeads);
  if (name === 'embed.tok.weight') return [c.vocabSize, d];
  if (name === 'lm_head.weight') return [d, c.vocabSize];
  const m = /\.(q|k|v|o|gate|up|down)\.weight$/.exec(name);
  if (!m) throw new Error(`bench/step.ts: no shape for "${name}".`);
  return { q: [d, d], k: [d, kv], v: [d, kv], o: [d, d], gate: [d, c.dFF], up: [d, c.dFF], down: [c.dFF, d] }[m[1]]!;
}

/**
 * Weights of std ~0.02 for a timing run, ~25× faster to draw than tf.randomNormal (1M values: 42 against 1,072 ms; its per-value seedrandom and
 * Box-Muller take minutes for a 7B base): xorshift32, the sum of two uniforms (a triangular, not a normal,
 * distribution — the values do not matter to step time or memory, only their scale does).
 */
export function randomWeights(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  const scale = 0.02 * Math.sqrt(6) / 2 ** 32; // the sum of two U(0,1) has std 1/√6
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const a = x >>> 0;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = (a + (x >>> 0) - 2 ** 32) * scale;
  }
  return tf.tensor(out, shape);
}

/**
 * A step as the trainer takes it: `loss` and its gradients for `vars`, clipped to global norm 1, one AdamW step, the
 * loss read once. dispose() frees the optimizer, then what `release` frees (adapter, model, batch).
 */
function trainingStep(loss: () => tf.Scalar, vars: tf.Variable[], opt: AdamW, lr: number, release: () => void): ReferenceStep {
  return {
    step() {
      const { value, grads } = tf.variableGrads(loss, vars);
      const g = new Map<tf.Variable, tf.Tensor>(vars.filter((v) => grads[v.name]).map((v) => [v, grads[v.name]]));
      const clipped = globalNormClip(g, 1.0);
      opt.step(clipped, lr);
      const l = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads), ...(clipped !== g ? clipped.values() : [])]);
      return l;
    },
    dispose() {
      opt.dispose();
      release();
    },
  };
}
