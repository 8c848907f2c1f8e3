// Packed weights: real byte sizes per format (NF4 block 64 + double quant ≤ 0.53 bytes per weight), dequantize on the fly, zero-point shifts.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { IntKWeight, Nf4Weight, packWeight, type QuantFormat } from '../../techniques/quantization/quant/packed-weight.js';
import { dequantizeIntK, quantizeIntK } from '../../techniques/quantization/quant/intk.js';
import { NF4_MAX_HALF_GAP } from '../../techniques/quantization/quant/nf4.js';
import { useBackend } from '../helpers/tiny.js';
import { Rng } from '../../core/rng.js';

const D_IN = 256;
const D_OUT = 256;

function weights(seed: number, n = D_IN * D_OUT): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 0.04);
}

const FORMATS: [string, QuantFormat, number][] = [
  // name, format, expected bytes per weight at 256 × 256
  ['nf4 block 64 + double quant', { kind: 'nf4', block: 64, doubleQuant: true }, 0.5 + 1 / 64 + 4 / (64 * 256) + 4 / (256 * 256)],
  ['nf4 block 64, fp32 scales', { kind: 'nf4', block: 64, doubleQuant: false }, 0.5 + 4 / 64],
  ['int8 symmetric per channel', { kind: 'int', bits: 8, group: 0, symmetric: true }, 1 + 4 / 256],
  ['int4 asymmetric group 32', { kind: 'int', bits: 4, group: 32, symmetric: false }, 0.5 + 8 / 32],
  ['int4 symmetric per channel', { kind: 'int', bits: 4, group: 0, symmetric: true }, 0.5 + 4 / 256],
  ['int3 asymmetric group 32', { kind: 'int', bits: 3, group: 32, symmetric: false }, 3 / 8 + 8 / 32],
  ['int2 asymmetric group 32', { kind: 'int', bits: 2, group: 32, symmetric: false }, 2 / 8 + 8 / 32],
];

describe('packed weights', () => {
  before(useBackend);

  it('report their real bytes: codes packed at k bits plus every stored scale, offset and zero point', () => {
    const w = weights(1);
    for (const [name, fmt, expected] of FORMATS) {
      const p = packWeight(w, D_IN, D_OUT, fmt);
      const perWeight = p.bytes() / (D_IN * D_OUT);
      console.log(`${name}: ${perWeight.toFixed(4)} bytes per weight (${(perWeight * 8).toFixed(3)} bits)`);
      assert.ok(Math.abs(perWeight - expected) < 1e-9, `${name}: ${perWeight} ≠ ${expected}`);
    }
    const qlora = new Nf4Weight(w, D_IN, D_OUT, 64, true);
    assert.ok(qlora.bytes() / (D_IN * D_OUT) <= 0.53, 'QLoRA: 4-bit, block 64, double-quantized scales ≤ 0.53 bytes per weight');
    assert.equal(qlora.packed.length, (D_IN * D_OUT) / 2, 'two 4-bit codes per byte');
  });

  it('dequantize to a tensor equal to values(), within each format\'s error bound', () => {
    const w = weights(2, 64 * 48);
    for (const [name, fmt] of FORMATS) {
      const p = packWeight(w, 64, 48, fmt);
      const t = p.dequantize();
      assert.deepEqual(t.shape, [64, 48]);
      assert.deepEqual(t.dataSync(), p.values(), name);
      t.dispose();
    }
    const nf4 = new Nf4Weight(w, 64, 48, 64, false).values();
    const absmax = (b: number) => Math.max(...w.subarray(b * 64, b * 64 + 64).map(Math.abs));
    nf4.forEach((v, i) => assert.ok(Math.abs(v - w[i]) <= NF4_MAX_HALF_GAP * absmax((i / 64) | 0) * (1 + 1e-6)));
    const spec = { bits: 4, group: 16, symmetric: false } as const;
    assert.deepEqual(new IntKWeight(w, 64, 48, spec).values(), dequantizeIntK(quantizeIntK(w, 64, 48, spec)), 'packing loses nothing');
  });

  it('leaks no tensor when dequantized inside tf.tidy', () => {
    const p = packWeight(weights(3, 64 * 8), 64, 8, FORMATS[0][1]);
    const n0 = tf.memory().numTensors;
    tf.tidy(() => {
      tf.sum(p.dequantize());
    });
    assert.equal(tf.memory().numTensors, n0);
  });

  it('shifting the zero points adds δ to every weight of the group, codes untouched', () => {
    const w = weights(4, 32 * 6);
    const p = new IntKWeight(w, 32, 6, { bits: 3, group: 8, symmetric: false });
    const before = p.values();
    const packed = p.packed.slice();
    const delta = Float32Array.from({ length: 4 * 6 }, (_, k) => 0.001 * (k - 10));
    p.shiftZeros(delta);
    const after = p.values();
    after.forEach((v, i) => assert.ok(Math.abs(v - before[i] - delta[((i / 6 / 8) | 0) * 6 + (i % 6)]) < 1e-6));
    assert.deepEqual(p.packed, packed);
    assert.throws(() => new IntKWeight(w, 32, 6, { bits: 3, group: 8, symmetric: true }).shiftZeros(delta), /no zero points/);
  });
});
