// Block-wise absmax codebook quantization (QLoRA §2): each block of B consecutive values is scaled by its own absmax, so an outlier only coarsens its own block.
// The one reference loop: the quantization techniques (NF4, double quantization) and the JS fallback of the kernel
// pack's 4-bit codebook kernels (harness/backend/codebook4.ts) both quantize through it.

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

/**
 * The code of the nearest level of an ascending book: the number of `midpoints` (the decision boundaries between
 * adjacent levels) strictly below x, found by binary search. A value on a boundary takes the lower level.
 */
export function codeByMidpoints(midpoints: Float32Array): (x: number) => number {
  for (let k = 1; k < midpoints.length; k++) {
    if (!(midpoints[k] > midpoints[k - 1])) throw new Error(`codebook: midpoints must be strictly ascending (sort the levels), but ${midpoints[k]} at ${k} follows ${midpoints[k - 1]}.`);
  }
  return (x) => {
    let lo = 0;
    let hi = midpoints.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x > midpoints[mid]) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
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
export function quantizeBlockwise(x: ArrayLike<number>, blockSize: number, book: Pick<Codebook, 'code'>): Blockwise {
  const absmax = blockAbsmax(x, blockSize);
  const codes = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const s = absmax[(i / blockSize) | 0];
    codes[i] = book.code(s > 0 ? x[i] / s : 0);
  }
  return { codes, absmax, blockSize };
}

/** x̂_i = levels[code_i] · absmax(block of i); `absmax` may be the dequantized scales of double quantization. */
export function dequantizeBlockwise(codes: ArrayLike<number>, absmax: ArrayLike<number>, blockSize: number, levels: Float32Array, out: Float32Array = new Float32Array(codes.length)): Float32Array {
  // Block by block: the JS fallback of a packed base's per-matmul dequantization runs this over every weight.
  for (let start = 0, b = 0; start < codes.length; start += blockSize, b++) {
    const s = absmax[b];
    const end = Math.min(start + blockSize, codes.length);
    for (let i = start; i < end; i++) out[i] = levels[codes[i]] * s;
  }
  return out;
}
