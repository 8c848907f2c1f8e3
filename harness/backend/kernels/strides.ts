// Row-major strides and the dims arrays of the addon's strided kernels (binaryNd, copyNd).
/** Strides in elements of a contiguous row-major tensor. */
export function stridesOf(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let n = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = n; n *= shape[d]; }
  return s;
}

/** Strides of `shape` read as if broadcast to `out` (numpy rules): 0 along broadcast axes. */
export function broadcastStrides(shape: number[], out: number[]): number[] {
  const own = stridesOf(shape), off = out.length - shape.length;
  return out.map((_, d) => (d < off || shape[d - off] === 1 ? 0 : own[d - off]));
}

export function dimsOf(shape: number[], ...strides: number[][]): Float64Array {
  return Float64Array.from([...shape, ...strides.flat()]);
}
