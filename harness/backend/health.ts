// Whether the tensor backend still works after a trial failed: judged by its state (a wasm trap, a probe op), not by error text.
import * as tf from '@tensorflow/tfjs';

let fault: string | null = null;

/**
 * Called with every error a trial throws. A WebAssembly.RuntimeError is a trap inside the wasm module (out-of-bounds
 * access, abort() when its heap cannot grow): the module's memory is in an unknown state from then on, so the
 * backend counts as dead for the rest of the process whatever the message says.
 */
export function noteTrialError(e: unknown): void {
  if (e instanceof WebAssembly.RuntimeError) fault = `a trap inside the wasm backend (${e.message.split('\n')[0]})`;
}

/**
 * Null while the backend works; otherwise why it does not. After a failed trial the sweep asks this: besides a noted
 * trap, a small op whose result is known must still come out right (a corrupted heap gives wrong numbers or throws).
 */
export function backendFault(): string | null {
  if (fault) return fault;
  try {
    const got = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).add(tf.scalar(1)).dataSync());
    const want = [20, 23, 44, 51];
    if (want.some((w, i) => got[i] !== w)) fault = `a probe op computed [${Array.from(got).join(', ')}] instead of [${want.join(', ')}]`;
  } catch (e) {
    fault = `a probe op failed (${(e as Error).message.split('\n')[0]})`;
  }
  return fault;
}

/** For tests that simulate a dead backend in-process and then need a working one again. */
export function resetBackendFault(): void {
  fault = null;
}
