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

/** The wasm32 memory's byte limit: one tensor at or above it cannot exist on the wasm backend. */
export const WASM_HEAP_LIMIT = 2 ** 32;

/**
 * Makes the wasm backend refuse, with one sentence, a tensor too big for its heap. Without this the byte count wraps
 * to 32 bits in `_malloc`, a small block comes back, and the first kernel that writes the tensor corrupts the heap or
 * kills the process (a [40000, 1] × [1, 40000] matMul segfaulted). Idempotent per backend.
 */
const guarded = new WeakSet<BackendWasm>();

export function guardTensorSize(backend: BackendWasm): void {
  if (guarded.has(backend)) return;
  guarded.add(backend);
  const move = backend.move.bind(backend);
  backend.move = (dataId, values, shape, dtype, refCount) => {
    if (dtype !== 'string') {
      const bytes = shape.reduce((p, s) => p * s, 1) * (dtype === 'complex64' ? 8 : 4);
      if (bytes >= WASM_HEAP_LIMIT) {
        throw new Error(
          `A ${dtype} tensor of shape [${shape.join(', ')}] needs ${(bytes / 2 ** 30).toFixed(1)} GiB, more than the wasm ` +
            "backend's 4 GiB heap: lower batch_size or max_len, or run with --backend tensorflow.",
        );
      }
    }
    move(dataId, values, shape, dtype, refCount);
  };
}
