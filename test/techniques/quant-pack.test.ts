// Bit packing: round trips for every width, the exact byte layout, sizes, and range errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pack, packedLength, unpack } from '../../harness/quant/pack.js';
import { Rng } from '../../core/rng.js';

describe('pack', () => {
  it('round-trips random codes at 1..8 bits, including lengths that end mid-byte', () => {
    const rng = new Rng(2);
    for (let bits = 1; bits <= 8; bits++) {
      for (const n of [1, 7, 8, 9, 100, 1001]) {
        const codes = Uint8Array.from({ length: n }, () => rng.int(2 ** bits));
        const p = pack(codes, bits);
        assert.equal(p.length, Math.ceil((n * bits) / 8));
        assert.deepEqual(unpack(p, bits, n), codes);
      }
    }
  });

  it('puts two 4-bit codes per byte (low nibble first), four 2-bit codes, and eight 3-bit codes in three bytes', () => {
    assert.deepEqual([...pack([0x1, 0x2, 0xf, 0x0], 4)], [0x21, 0x0f]);
    assert.deepEqual([...pack([1, 2, 3, 0], 2)], [0b00111001]);
    assert.equal(pack([7, 7, 7, 7, 7, 7, 7, 7], 3).length, 3);
    assert.deepEqual([...pack([7, 7, 7, 7, 7, 7, 7, 7], 3)], [0xff, 0xff, 0xff]);
    assert.deepEqual([...pack([5, 3, 6], 3)], [0b10011101, 0b1]); // 5 in bits 0-2, 3 in bits 3-5, 6 in bits 6-8 (straddling)
    assert.equal(packedLength(64, 4), 32);
    assert.equal(packedLength(64, 3), 24);
  });

  it('refuses codes that do not fit', () => {
    assert.throws(() => pack([16], 4), /does not fit in 4 bits/);
    assert.throws(() => pack([256], 8), /does not fit in 8 bits/);
    assert.throws(() => pack([1.5], 4), /does not fit/);
  });
});
