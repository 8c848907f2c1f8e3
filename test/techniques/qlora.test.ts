// QLoRA: the forward runs on the packed NF4 weights, and the packed base takes ≤ 0.17 × the fp32 bytes of the quantized layers.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { qlora } from '../../techniques/quantization/qlora.js';
import { Model } from '../../harness/model/model.js';
import { Nf4Weight } from '../../techniques/quantization/quant/packed-weight.js';
import { maxAbsDiff, tinyConfig, tinyModel, useBackend } from '../helpers/tiny.js';
import { effectiveWeight, noDataCtx } from '../helpers/quant.js';

const ctx = noDataCtx;

describe('qlora', () => {
  before(useBackend);

  for (const family of ['encoder', 'decoder'] as const) {
    it(`${family}: every block linear serves x·dequant(NF4 W); the fp32 W is untouched`, () => {
      const model = tinyModel(family);
      const fp32 = new Map([...model.linears].map(([n, l]) => [n, (l.weight.dataSync() as Float32Array).slice()]));
      const applied = qlora.apply(model, qlora.defaults, ctx);
      for (const [name, l] of model.linears) {
        const eff = effectiveWeight(model, name);
        if (!/^layers\.\d+\.(attn|ffn)\./.test(name)) {
          assert.ok(maxAbsDiff(eff, fp32.get(name)!) < 1e-6, `${name} is not quantized by default`);
          continue;
        }
        const nf4 = new Nf4Weight(fp32.get(name)!, l.dIn, l.dOut, 64, true).values(); // independent re-quantization
        assert.ok(maxAbsDiff(eff, nf4) < 1e-5, `${name} does not run on its NF4 weight`);
        assert.ok(maxAbsDiff(eff, fp32.get(name)!) > 1e-5, `${name}: quantization left the weight as it was`);
        assert.ok(maxAbsDiff(l.weight.dataSync(), fp32.get(name)!) === 0);
      }
      assert.equal(applied.merge, undefined, 'no merge into a 4-bit base');
      applied.dispose();
      model.dispose();
    });
  }

  it('base bytes: packed NF4 + double-quantized scales ≤ 0.17 × the fp32 bytes of the quantized layers (measured from the footprint)', () => {
    for (const [label, model] of [
      ['tiny', tinyModel('decoder')],
      ['d=128, d_ff=512', new Model({ ...tinyConfig('encoder'), dModel: 128, dFF: 512, nHeads: 4, nLayers: 1 }, 3)],
    ] as const) {
      const applied = qlora.apply(model, qlora.defaults, ctx);
      const quantized = model.find('layers.*.{attn,ffn}.*').reduce((n, l) => n + l.weight.size, 0);
      const fp = applied.footprint();
      const packed = fp.baseBytes - 4 * (model.numParams() - quantized);
      const ratio = packed / (4 * quantized);
      console.log(`qlora ${label}: ${(packed / quantized).toFixed(4)} bytes per quantized weight, ${ratio.toFixed(4)} of fp32; whole base ${(fp.baseBytes / (4 * model.numParams())).toFixed(4)} of fp32`);
      assert.ok(ratio <= 0.17, `packed base is ${ratio} of fp32`);
      assert.ok(ratio > 0.125, 'scales are counted');
      assert.equal(applied.metrics!()['quant.quantized_fp32_ratio'], ratio);
      applied.dispose();
      model.dispose();
    }
  });
});
