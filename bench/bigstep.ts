// One QLoRA training step at a real shape (llama-7b, tinyllama-1.1b, ...) built in memory from random weights, each
// linear packed to NF4 as it is made: load time, step time and peak RSS, without a checkpoint on disk.
//
//   npx tsx bench/bigstep.ts --shape llama-7b --batch 1 --len 128 [--r 16] [--layers n] [--vocab n] [--no-checkpointing] [--json]
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { initBackend } from '../harness/backend/index.js';
import { Model } from '../harness/model/model.js';
import { shapeById } from '../harness/model/import/shapes.js';
import { llamaConfig } from '../harness/model/import/llama.js';
import type { HfConfig } from '../harness/model/import/files.js';
import type { HfTokenizer } from '../text/hf.js';
import { BlockCheckpointer } from '../harness/model/checkpoint.js';
import { AdamW } from '../harness/train/adamw.js';
import { qlora } from '../techniques/quantization/qlora.js';
import { randomWeights } from './step.js';

const { values: o } = parseArgs({
  options: {
    shape: { type: 'string', default: 'tinyllama-1.1b' },
    batch: { type: 'string', default: '4' },
    len: { type: 'string', default: '256' },
    r: { type: 'string', default: '16' },
    layers: { type: 'string' },
    vocab: { type: 'string' }, // a smaller vocabulary, for a quick smoke run
    'no-checkpointing': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

/** Peak resident set of this process so far (Linux's VmHWM), in MB. */
const peakRssMb = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

const shape = shapeById(o.shape!);
if (shape.config.model_type !== 'llama' && shape.config.model_type !== 'qwen2') throw new Error(`--shape ${o.shape}: this bench builds LLaMA-family shapes only.`);
const hf: HfConfig = { ...shape.config, ...(o.layers ? { num_hidden_layers: Number(o.layers) } : {}), ...(o.vocab ? { vocab_size: Number(o.vocab) } : {}) };
const config = llamaConfig(hf, { vocabSize: hf.vocab_size } as HfTokenizer);
const [B, T] = [Number(o.batch), Number(o.len)];
const backend = await initBackend('auto');
const cfg = qlora.validate({ r: Number(o.r), alpha: 2 * Number(o.r), dropout: 0 });

let t0 = Date.now();
// Random weights, one tensor at a time: packed linears are quantized and dropped as they are made.
let k = 0;
const model = new Model(config, 0, { source: (name) => (/norm/.test(name) ? undefined : randomWeights(shapeOf(name), k++)), packed: qlora.packAtLoad!(cfg)! });
function shapeOf(name: string): number[] {
  const kv = (config.dModel / config.nHeads) * (config.nKvHeads ?? config.nHeads);
  const d = config.dModel;
  if (name === 'embed.tok.weight') return [config.vocabSize, d];
  if (name === 'lm_head.weight') return [d, config.vocabSize];
  const m = /\.(q|k|v|o|gate|up|down)\.weight$/.exec(name)![1];
  return { q: [d, d], k: [d, kv], v: [d, kv], o: [d, d], gate: [d, config.dFF], up: [d, config.dFF], down: [config.dFF, d] }[m]!;
}
const applied = qlora.apply(model, cfg, { seed: 0, totalSteps: 1, sampleBatches: () => [], loss: () => tf.scalar(0) });
const loadS = (Date.now() - t0) / 1000;
const vars = applied.paramGroups().flatMap((g) => g.vars);
const opt = new AdamW({ lr: 2e-4, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, applied.paramGroups());
if (!o['no-checkpointing']) model.checkpointing = new BlockCheckpointer(() => vars);
model.training = true;

const ids = tf.randomUniform([B, T + 1], 5, config.vocabSize, 'int32');
const x = tf.slice(ids, [0, 0], [B, T]) as tf.Tensor2D;
const y = tf.reshape(tf.slice(ids, [0, 1], [B, T]), [-1]);
const mask = tf.ones([B, T]) as tf.Tensor2D;
t0 = Date.now();
const { value, grads } = tf.variableGrads(() => {
  const logits = model.lmLogits(tf.reshape(model.hidden(x, mask), [B * T, config.dModel]) as tf.Tensor2D);
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(y as tf.Tensor1D, config.vocabSize)), -1))) as tf.Scalar;
}, vars);
opt.step(new Map(vars.filter((v) => grads[v.name]).map((v) => [v, grads[v.name]])), 2e-4);
const loss = (await value.data())[0];
const stepS = (Date.now() - t0) / 1000;
const out = {
  shape: o.shape, layers: config.nLayers, params: model.numParams(), batch: B, len: T, r: cfg.r, checkpointing: !o['no-checkpointing'],
  backend: backend.name, load_s: loadS, step_s: stepS, loss, peak_rss_mb: Math.round(peakRssMb()), packed_mb: Math.round(applied.footprint().baseBytes / 2 ** 20),
};
console.log(o.json ? JSON.stringify(out) : Object.entries(out).map(([k, v]) => `${k} ${v}`).join(', '));
