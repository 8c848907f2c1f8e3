// LoftQ: ‖W − (Q + s·AB)‖ falls with the alternating steps and ends below plain quantization's ‖W − quant(W)‖; the plugin starts there.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loftq, loftqFormat, loftqInit } from '../../techniques/quantization/loftq.js';
import { packWeight } from '../../techniques/quantization/quant/packed-weight.js';
import { tinyModel, useBackend } from '../helpers/tiny.js';
import { Rng } from '../../core/rng.js';
import { effectiveWeight, noDataCtx } from '../helpers/quant.js';
import { applyTechnique } from '../../harness/apply.js';

const ctx = noDataCtx;

const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, x, i) => s + (x - b[i]) ** 2, 0));

/** A weight with a few strong directions on top of noise, like a pretrained matrix. */
function weight(dIn: number, dOut: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const n = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const u = Array.from({ length: 3 }, () => Array.from({ length: dIn }, n));
  const v = Array.from({ length: 3 }, () => Array.from({ length: dOut }, n));
  return Float32Array.from({ length: dIn * dOut }, (_, k) => {
    const i = Math.floor(k / dOut);
    const j = k % dOut;
    return 0.02 * n() + 0.01 * (u[0][i] * v[0][j] + 0.5 * u[1][i] * v[1][j] + 0.25 * u[2][i] * v[2][j]);
  });
}

describe('loftq', () => {
  before(useBackend);

  for (const format of ['nf4', 'int4', 'int2'] as const) {
    it(`${format}: the error falls with every alternating step and ends below plain quantization's`, () => {
      const [dIn, dOut] = [64, 48];
      const w = weight(dIn, dOut, 11);
      const fmt = loftqFormat({ ...loftq.defaults, format, block: format === 'nf4' ? 64 : 16 });
      const plain = dist(w, packWeight(w, dIn, dOut, fmt).values());
      const { errors, weight: q, L, R } = loftqInit(w, dIn, dOut, fmt, 8, 5);
      console.log(`loftq ${format}: plain ${plain.toFixed(4)}, by step ${errors.map((e) => e.toFixed(4)).join(' → ')}`);
      assert.equal(errors.length, 5);
      assert.ok(errors[0] < plain, 'step 1 (quantize W, fit the residual) already beats plain quantization');
      for (let t = 1; t < errors.length; t++) assert.ok(errors[t] <= errors[t - 1] * (1 + 1e-6), `step ${t + 1} raised the error`);
      assert.ok(errors[4] < errors[0], 'the alternation improves on one step');
      // The reported error is the real one: Q (as packed) + L R.
      const qv = q.values();
      const recon = Float32Array.from(qv, (x, k) => {
        const i = Math.floor(k / dOut);
        const j = k % dOut;
        let s = x;
        for (let r = 0; r < 8; r++) s += L[i * 8 + r] * R[r * dOut + j];
        return s;
      });
      assert.ok(Math.abs(dist(w, recon) - errors[4]) < 1e-5);
    });
  }

  it('the plugin starts from Q + s·AB: closer to W than plain NF4', () => {
    const model = tinyModel('decoder');
    const fp32 = new Map([...model.linears].map(([n, l]) => [n, (l.weight.dataSync() as Float32Array).slice()]));
    const applied = applyTechnique(loftq, model, loftq.defaults, ctx);
    for (const l of model.find(loftq.defaults.targets)) {
      const w = fp32.get(l.name)!;
      const plain = dist(w, packWeight(w, l.dIn, l.dOut, loftqFormat(loftq.defaults)).values());
      const init = dist(w, effectiveWeight(model, l.name));
      assert.ok(init < plain * 0.95, `${l.name}: ${init} vs plain ${plain}`);
    }
    assert.ok(applied.metrics!()['loftq.init_rel_error'] > 0);
    applied.dispose();
    model.dispose();
  });
});
