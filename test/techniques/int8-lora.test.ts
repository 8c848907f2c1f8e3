// int8-lora: the base is int8 with one absmax scale per output channel (per column of our [d_in, d_out] W), |err| ≤ scale/2.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { int8Lora } from '../../techniques/quantization/int8-lora.js';
import { tinyModel, useBackend } from '../helpers/tiny.js';
import { effectiveWeight, noDataCtx } from '../helpers/quant.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = noDataCtx;

describe('int8-lora', () => {
  before(useBackend);

  it('serves every block linear from row-wise absmax int8: on the grid (absmax_j / 127)·n, n ∈ [−127, 127], nearest point', () => {
    const model = tinyModel('encoder');
    const fp32 = new Map([...model.linears].map(([n, l]) => [n, (l.weight.dataSync() as Float32Array).slice()]));
    const applied = applyTechnique(int8Lora, model, int8Lora.defaults, ctx);
    let quantized = 0;
    for (const l of model.find('layers.*.{attn,ffn}.*')) {
      const w = fp32.get(l.name)!;
      const eff = effectiveWeight(model, l.name);
      quantized += l.weight.size;
      for (let j = 0; j < l.dOut; j++) {
        let absmax = 0;
        for (let i = 0; i < l.dIn; i++) absmax = Math.max(absmax, Math.abs(w[i * l.dOut + j]));
        const s = absmax / 127;
        for (let i = 0; i < l.dIn; i++) {
          const k = i * l.dOut + j;
          const n = eff[k] / s;
          assert.ok(Math.abs(n - Math.round(n)) < 1e-3 && Math.abs(n) <= 127 + 1e-3, `${l.name}[${i},${j}] is off the int8 grid`);
          assert.ok(Math.abs(eff[k] - w[k]) <= s / 2 + 1e-7, `${l.name}[${i},${j}]: error above s/2`);
        }
      }
    }
    const fp = applied.footprint();
    const packed = fp.baseBytes - 4 * (model.numParams() - quantized);
    console.log(`int8-lora: ${(packed / quantized).toFixed(4)} bytes per quantized weight (tiny model: one fp32 scale per 16–32 weights)`);
    const nScales = model.find('layers.*.{attn,ffn}.*').reduce((n, l) => n + l.dOut, 0);
    assert.equal(packed, quantized + 4 * nScales, 'one byte per weight plus one fp32 scale per output channel');
    applied.dispose();
    model.dispose();
  });
});
