// The 4-bit codebook kernels (harness/backend/codebook4.ts): the kernel pack's pack/unpack give exactly the codes and
// values of the general codebook path (harness/quant/blockwise.ts + pack.ts), and so does the JS fallback.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { dequant4, dequant4Tensor, quant4 } from '../harness/backend/codebook4.js';
import { loadNative } from '../harness/backend/native/index.js';
import { initBackend } from '../harness/backend/index.js';
import { NF4, NF4_MIDPOINTS } from '../techniques/quantization/quant/nf4.js';
import { dequantizeBlockwise, quantizeBlockwise } from '../harness/quant/blockwise.js';
import { pack } from '../harness/quant/pack.js';
import { Nf4Weight } from '../techniques/quantization/quant/packed-weight.js';
import { Rng } from '../core/rng.js';

const addon = loadNative().addon;
const paths: [string, typeof addon][] = [['JS', null], ...(addon ? [['kernel pack', addon] as [string, typeof addon]] : [])];

/** Gaussian weights with the values that sit on decision boundaries: exact midpoints times the absmax, zeros, ±absmax. */
function weights(n: number, block: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const w = Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 0.1);
  for (let b = 0; b * block < n; b++) {
    const s = 0.05;
    w[b * block] = b % 2 ? -s : s; // the block's absmax, so midpoint multiples below are exact boundaries
    for (let k = 1; k < Math.min(block, 16) && b * block + k < n; k++) w[b * block + k] = k === 15 ? 0 : NF4_MIDPOINTS[k - 1] * s;
  }
  return w;
}

describe('4-bit codebook kernels', () => {
  for (const [name, a] of paths) {
    for (const [n, block] of [[4096, 64], [1001, 64], [999, 2], [5000, 256]] as const) {
      it(`${name}: packs ${n} values in blocks of ${block} exactly as the general codebook path`, () => {
        const w = weights(n, block, n + block);
        const ref = quantizeBlockwise(w, block, NF4);
        const got = quant4(w, NF4_MIDPOINTS, block, a);
        assert.deepEqual(got.absmax, ref.absmax);
        assert.deepEqual(got.packed, pack(ref.codes, 4));
        const values = dequant4({ packed: got.packed, scales: got.absmax }, NF4.levels, n, block, undefined, a);
        assert.deepEqual(values, dequantizeBlockwise(ref.codes, ref.absmax, block, NF4.levels));
      });
    }
  }

  it('refuses an odd block, which would split a byte between two blocks', () => {
    assert.throws(() => quant4(new Float32Array(10), NF4_MIDPOINTS, 3), /block must be a positive even integer, got 3/);
  });

  it('refuses midpoints the kernel would misread: not 15 of them, or not ascending', () => {
    assert.throws(() => quant4(new Float32Array(10), NF4_MIDPOINTS.subarray(1), 2), /16-level book has 15 midpoints, got 14/);
    assert.throws(() => quant4(new Float32Array(10), NF4_MIDPOINTS.slice().reverse(), 2), /midpoints must be strictly ascending/);
  });

  it('an Nf4Weight holds the same bytes and gives the same tensor whichever path packed it', async () => {
    await initBackend('auto');
    const w = weights(96 * 40, 64, 7);
    const general = new Nf4Weight(Array.from(w), 96, 40, 64, true); // a number[] takes the general path
    const fast = new Nf4Weight(w, 96, 40, 64, true);
    assert.deepEqual(fast.packed, general.packed);
    const t = fast.dequantize();
    assert.deepEqual(t.shape, [96, 40]);
    assert.deepEqual(await t.data(), dequantizeBlockwise(quantizeBlockwise(w, 64, NF4).codes, general.scales(), 64, NF4.levels));
    t.dispose();
    const before = tf.memory().numTensors;
    tf.tidy(() => { dequant4Tensor({ packed: fast.packed, scales: fast.scales() }, NF4.levels, [96, 40], 64); }); // freed with its scope
    assert.equal(tf.memory().numTensors, before);
  });
});
