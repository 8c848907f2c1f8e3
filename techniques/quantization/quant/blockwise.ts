// Block-wise absmax quantization (QLoRA §2): each block of B consecutive values is scaled by its own absmax, so an outlier only coarsens its own block.

export interface Blockwise {
  codes: Uint8Array; // one unpacked code per value
  absmax: Float32Array; // one scale per block
  blockSize: number;
}

/** A codebook on [-1, 1]: `levels[c]` is what code c means; `code(x)` is the nearest level's code. */
export interface Codebook {
  levels: Float32Array;
  code(x: number): number;
}

/** Max |x| of each block of `blockSize` consecutive values (the last block may be shorter). */
export function blockAbsmax(x: ArrayLike<number>, blockSize: number): Float32Array {
  if (!(Number.isInteger(blockSize) && blockSize > 0)) throw new Error(`blockwise: block size must be a positive integer, got ${blockSize}.`);
  const out = new Float32Array(Math.ceil(x.length / blockSize));
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    const b = (i / blockSize) | 0;
    if (a > out[b]) out[b] = a;
  }
  return out;
}

/** Codes of x / absmax(block) in the codebook; an all-zero block normalises to 0. */
export function quantizeBlockwise(x: ArrayLike<number>, blockSize: number, book: Codebook): Blockwise {
  const absmax = blockAbsmax(x, blockSize);
  const codes = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const s = absmax[(i / blockSize) | 0];
    codes[i] = book.code(s > 0 ? x[i] / s : 0);
  }
  return { codes, absmax, blockSize };
}

/** x̂_i = levels[code_i] · absmax(block of i); `absmax` may be the dequantized scales of double quantization. */
export function dequantizeBlockwise(codes: ArrayLike<number>, absmax: ArrayLike<number>, blockSize: number, levels: Float32Array, out = new Float32Array(codes.length)): Float32Array {
  for (let i = 0; i < codes.length; i++) out[i] = levels[codes[i]] * absmax[(i / blockSize) | 0];
  return out;
}
