// QLoRA: the forward runs on the packed NF4 weights (linears and the token table), and the packed base takes ≤ 0.17 × fp32 bytes.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { qlora } from '../../techniques/quantization/qlora.js';
import { Model } from '../../harness/model/model.js';
import { Nf4Weight } from '../../techniques/quantization/quant/packed-weight.js';
import { maxAbsDiff, tinyConfig, tinyModel, useBackend } from '../helpers/tiny.js';
import { effectiveWeight, noDataCtx } from '../helpers/quant.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = noDataCtx;

describe('qlora', () => {
  before(useBackend);

  for (const family of ['encoder', 'decoder'] as const) {
    it(`${family}: every linear serves x·dequant(NF4 W), the token table its NF4 rows; the fp32 weights are untouched`, () => {
      const model = tinyModel(family);
      const fp32 = new Map([...model.linears].map(([n, l]) => [n, (l.weight.dataSync() as Float32Array).slice()]));
      const applied = applyTechnique(qlora, model, qlora.defaults, ctx);
      for (const [name, l] of model.linears) {
        const eff = effectiveWeight(model, name);
        if (!/^(layers\.\d+\.(attn|ffn)\.|lm_head)/.test(name)) {
          assert.ok(maxAbsDiff(eff, fp32.get(name)!) < 1e-6, `${name} is not quantized by default`);
          continue;
        }
        const nf4 = new Nf4Weight(fp32.get(name)!, l.dIn, l.dOut, 64, true).values(); // independent re-quantization
        assert.ok(maxAbsDiff(eff, nf4) < 1e-5, `${name} does not run on its NF4 weight`);
        assert.ok(maxAbsDiff(eff, fp32.get(name)!) > 1e-5, `${name}: quantization left the weight as it was`);
        assert.ok(maxAbsDiff(l.weight.dataSync(), fp32.get(name)!) === 0);
      }
      const table = model.params.get('embed.tok.weight')!;
      const ids = tf.tensor2d([[0, 5, 17], [3, 3, table.shape[0] - 1]], undefined, 'int32');
      const rows = model.hooks.call('embed.tok', ids, () => { throw new Error('the fp32 table was used'); }) as tf.Tensor;
      const [V, d] = table.shape as [number, number];
      const nf4 = tf.gather(tf.tensor2d(new Nf4Weight(table.dataSync(), V, d, 64, true).values(), [V, d]), ids);
      assert.ok(maxAbsDiff(rows.dataSync(), nf4.dataSync()) < 1e-6, 'embedding rows come from the NF4 table');
      assert.ok(maxAbsDiff(rows.dataSync(), tf.gather(table, ids).dataSync()) > 1e-5, 'the table was quantized');
      assert.equal(applied.merge, undefined, 'no merge into a 4-bit base');
      applied.dispose();
      model.dispose();
    });
  }

  it('base bytes: packed NF4 + double-quantized scales ≤ 0.17 × the fp32 bytes, quantized weights and whole decoder (measured from the footprint)', () => {
    for (const [label, model] of [
      ['tiny', tinyModel('decoder')],
      ['d=128, d_ff=512', new Model({ ...tinyConfig('encoder'), dModel: 128, dFF: 512, nHeads: 4, nLayers: 1 }, 3)],
    ] as const) {
      const applied = applyTechnique(qlora, model, qlora.defaults, ctx);
      const quantized = model.find('{layers.*.{attn,ffn}.*,lm_head,lm_head.*}').reduce((n, l) => n + l.weight.size, model.params.get('embed.tok.weight')!.size);
      const fp = applied.footprint();
      const packed = fp.baseBytes - 4 * (model.numParams() - quantized);
      const ratio = packed / (4 * quantized);
      console.log(`qlora ${label}: ${(packed / quantized).toFixed(4)} bytes per quantized weight, ${ratio.toFixed(4)} of fp32; whole base ${(fp.baseBytes / (4 * model.numParams())).toFixed(4)} of fp32`);
      assert.ok(ratio <= 0.17, `packed base is ${ratio} of fp32`);
      assert.ok(ratio > 0.125, 'scales are counted');
      assert.equal(applied.metrics!()['quant.quantized_fp32_ratio'], ratio);
      // The whole base, norms, biases and the task head in fp32 included (the encoder's position table stays fp32 too).
      if (model.family === 'decoder') assert.ok(fp.baseBytes / (4 * model.numParams()) <= 0.17, `whole base ${fp.baseBytes / (4 * model.numParams())} of fp32`);
      applied.dispose();
      model.dispose();
    }
  });
});
