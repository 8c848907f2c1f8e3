// Bit packing of small unsigned codes: k-bit codes laid end to end, least significant bits first (4-bit: two per byte).

/** Bytes that n codes of `bits` bits take once packed. */
export function packedLength(n: number, bits: number): number {
  return Math.ceil((n * bits) / 8);
}

function checkBits(bits: number): void {
  if (!(Number.isInteger(bits) && bits >= 1 && bits <= 8)) throw new Error(`pack: bits must be an integer in 1..8, got ${bits}.`);
}

/** Packs codes (each < 2^bits) into ⌈n·bits/8⌉ bytes; code i occupies bits [i·bits, (i+1)·bits) of the stream. */
export function pack(codes: ArrayLike<number>, bits: number): Uint8Array {
  checkBits(bits);
  const n = codes.length;
  const out = new Uint8Array(packedLength(n, bits));
  const max = (1 << bits) - 1;
  let bit = 0;
  for (let i = 0; i < n; i++, bit += bits) {
    const c = codes[i];
    if (!(c >= 0 && c <= max && Number.isInteger(c))) throw new Error(`pack: code ${c} at ${i} does not fit in ${bits} bits.`);
    const byte = bit >> 3;
    const shift = bit & 7;
    out[byte] |= (c << shift) & 0xff;
    if (shift + bits > 8) out[byte + 1] |= c >> (8 - shift); // a 3-bit code may straddle two bytes
  }
  return out;
}

/** The inverse of pack: n codes of `bits` bits. */
export function unpack(packed: Uint8Array, bits: number, n: number, out = new Uint8Array(n)): Uint8Array {
  checkBits(bits);
  if (packed.length < packedLength(n, bits)) throw new Error(`unpack: ${packed.length} bytes hold fewer than ${n} codes of ${bits} bits.`);
  if (bits === 8) {
    out.set(packed.subarray(0, n));
    return out;
  }
  if (bits === 4) {
    // Two whole codes a byte: the JS fallback of a packed base's per-matmul dequantization unpacks every weight.
    for (let i = 0; i + 1 < n; i += 2) {
      const byte = packed[i >> 1];
      out[i] = byte & 15;
      out[i + 1] = byte >> 4;
    }
    if (n & 1) out[n - 1] = packed[(n - 1) >> 1] & 15;
    return out;
  }
  const mask = (1 << bits) - 1;
  let bit = 0;
  for (let i = 0; i < n; i++, bit += bits) {
    const byte = bit >> 3;
    const shift = bit & 7;
    let v = packed[byte] >> shift;
    if (shift + bits > 8) v |= packed[byte + 1] << (8 - shift);
    out[i] = v & mask;
  }
  return out;
}
