// A quantized base loaded packed: QLoRA's linears are packed as the checkpoint is read (no fp32 copy ever exists), the
// model computes what QLoRA on an fp32-loaded base computes, and the packed matmul's gradient is x·Ŵ's exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Model } from '../harness/model/model.js';
import { dense, frozenDense } from '../harness/model/module.js';
import { saveSafetensors } from '../harness/model/safetensors.js';
import { instantiate, type Base } from '../harness/zoo/bases.js';
import { qlora } from '../techniques/quantization/qlora.js';
import { packWeight, type Nf4Weight } from '../techniques/quantization/quant/packed-weight.js';
import { dequantizeBlockwise } from '../harness/quant/blockwise.js';
import { unpack } from '../harness/quant/pack.js';
import { NF4 } from '../techniques/quantization/quant/nf4.js';
import type { ApplyContext } from '../harness/plugin.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-packed-'));
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));

const config = { family: 'decoder' as const, vocabSize: 97, dModel: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, dFF: 48, maxLen: 32, normEps: 1e-5, ropeTheta: 10000, ropeScale: 1, initStd: 0.2 };

async function baseOf(): Promise<Base> {
  const m = new Model(config, 7);
  const file = path.join(root, 'base.safetensors');
  await saveSafetensors(file, m.state());
  m.dispose();
  return { id: 'packed-test', config, checkpoint: file, checkpointHash: 'x', pretrain: { steps: 0, seconds: 0, finalLoss: 0, heldOutLoss: 0, heldOutPerplexity: 0 }, tokenizer: null as never, heldOut: [] };
}

const ctx: ApplyContext = { seed: 1, totalSteps: 1, sampleBatches: () => [], loss: () => tf.scalar(0) };
const ids = tf.tensor2d([[5, 9, 14, 3, 77, 2, 40, 41]], undefined, 'int32');
const mask = tf.ones([1, 8]) as tf.Tensor2D;
const logits = (m: Model) => tf.tidy(() => m.lmLogits(tf.reshape(m.hidden(ids, mask), [8, config.dModel]) as tf.Tensor2D));

test('QLoRA loaded packed computes what QLoRA on an fp32-loaded base does, without the fp32 linears', async () => {
  const base = await baseOf();
  const cfg = qlora.validate({ dropout: 0 });
  const fp32 = instantiate(base, 0);
  const fp32Bytes = tf.memory().numBytes;
  const a = qlora.apply(fp32, cfg, ctx);
  const packed = instantiate(base, 0, qlora.packAtLoad!(cfg)!);
  const packedBytes = tf.memory().numBytes - fp32Bytes;
  const b = qlora.apply(packed, cfg, ctx);

  // Every block linear and the LM head hold no fp32 variable: the model's tensors shrink by exactly their fp32 bytes.
  const linearBytes = fp32.find(cfg.quantize).reduce((n, l) => n + 4 * l.dIn * l.dOut, 0);
  assert.ok(fp32.find(cfg.quantize).length === 2 * 7 + 1);
  assert.equal(packed.find(cfg.quantize).filter((l) => l.frozen).length, 15);
  assert.throws(() => packed.find('layers.0.attn.q')[0].weight, /loaded packed \(frozen, quantized\)/);
  const adapterBytes = a.footprint().trainableParams * 4;
  assert.ok(packedBytes <= fp32Bytes - linearBytes + adapterBytes, `packed model ${packedBytes} B vs fp32 ${fp32Bytes} B less linears ${linearBytes} B`);
  assert.equal(packed.numParams(), fp32.numParams());
  assert.deepEqual(b.footprint(), a.footprint());

  // Non-vacuity: with B non-zero the adapters change the output; both models then agree to float precision.
  for (const m of [fp32, packed]) for (const [n, v] of m.named('**')) if (/lora/.test(n)) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 3));
  for (const applied of [a, b]) for (const g of applied.paramGroups()) for (const v of g.vars) if (!v.name.includes('head')) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 11));
  const [la, lb] = [logits(fp32), logits(packed)];
  const diff = tf.max(tf.abs(tf.sub(la, lb))).dataSync()[0];
  console.log(`QLoRA packed at load vs packed after fp32 load: max |Δ logits| ${diff.toExponential(2)}`);
  assert.ok(diff < 1e-5, `${diff}`);
  packed.hooks.enabled = false;
  const off = logits(packed);
  assert.ok(tf.max(tf.abs(tf.sub(off, lb))).dataSync()[0] > 1e-3, 'disabling the adapters changes the output (non-vacuity)');
  tf.dispose([la, lb, off]);
  a.dispose();
  b.dispose();
  fp32.dispose();
  packed.dispose();
});

test('NF4 dequantization from packed bytes equals the general unpack-then-scale path', () => {
  for (const [dIn, dOut, block] of [[24, 16, 64], [7, 9, 64], [5, 13, 2]] as const) {
    const w = packWeight(tf.randomNormal([dIn, dOut], 0, 1, 'float32', dIn).dataSync(), dIn, dOut, { kind: 'nf4', block, doubleQuant: block === 64 }) as Nf4Weight;
    const general = dequantizeBlockwise(unpack(w.packed, 4, dIn * dOut), w.scales(), block, NF4.levels);
    assert.deepEqual([...w.values()], [...general]);
  }
});

test('frozenDense: forward and gradients equal dense() with the dequantized weight, and nothing fp32 outlives the step', () => {
  const w = packWeight(tf.randomNormal([24, 16], 0, 1, 'float32', 5).dataSync(), 24, 16, { kind: 'nf4', block: 64, doubleQuant: true });
  const x = tf.randomNormal([3, 5, 24], 0, 1, 'float32', 6);
  const b = tf.randomNormal([16], 0, 1, 'float32', 7);
  const wd = w.dequantize();
  const loss = (f: (x: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(x, b)));
  const [gx1, gb1] = tf.grads(loss((x, b) => dense(x, wd, b)))([x, b]);
  const before = tf.memory().numTensors;
  const [gx2, gb2] = tf.grads(loss((x, b) => frozenDense(x, w, b)))([x, b]);
  assert.equal(tf.memory().numTensors, before + 2, 'only the two gradients remain');
  const d = (p: tf.Tensor, q: tf.Tensor) => tf.max(tf.abs(tf.sub(p, q))).dataSync()[0];
  console.log(`frozenDense vs dense: max |Δ dx| ${d(gx1, gx2).toExponential(2)}, |Δ db| ${d(gb1, gb2).toExponential(2)}`);
  assert.ok(d(gx1, gx2) < 1e-4 && d(gb1, gb2) < 1e-4);
  assert.ok(d(gx1, tf.zerosLike(gx1)) > 1);
  tf.dispose([w.dequantize(), x, b, wd, gx1, gb1, gx2, gb2]);
});
