// The arithmetic precision of the trial in flight (budget.precision): 'fp32' everywhere (the default), or 'mixed':
// on WebGPU with shader-f16, matrix products multiply f16 operands (each row of A and column of B scaled by a power
// of two so nothing underflows) and add them up in f16 within a 16-deep tile and in f32 across tiles; tensors,
// master weights, AdamW's moments, norms, softmax and the loss stay f32. Other backends refuse it at plan time.
export const PRECISIONS = ['fp32', 'mixed'] as const;
export type Precision = (typeof PRECISIONS)[number];

let current: Precision = 'fp32';

export function precision(): Precision {
  return current;
}

/** Sets the precision kernels read from now on; returns the previous one (restore it when the trial ends). */
export function setPrecision(p: Precision): Precision {
  const was = current;
  current = p;
  return was;
}

/** Why `mixed` cannot run on a backend, as the end of a sentence, or null when it can. */
export function mixedUnsupported(b: { name: string; features?: string[] }): string | null {
  if (b.name !== 'webgpu') return `it needs the webgpu backend with shader-f16, and this run uses "${b.name}"`;
  if (!b.features?.includes('shader-f16')) return 'the WebGPU adapter does not offer shader-f16';
  return null;
}
