// Byte offsets of wasm-backend tensors on the wasm heap, which is what the native kernels read and write.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The heap's current view: read it after every allocation, since growing the heap replaces the buffer. */
export function heapOf(backend: BackendWasm): Uint8Array {
  return (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
}

export function offsetOf(backend: BackendWasm, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}

export function sizeOf(t: tf.TensorInfo): number {
  return t.shape.reduce((p, s) => p * s, 1);
}
