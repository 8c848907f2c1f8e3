// Backend failures that arrive as bare runtime errors, turned into one sentence a user can act on.

const EMSCRIPTEN_ABORT = /^(RuntimeError: )?Aborted\(/;

/**
 * The wasm backend's allocator calls abort() when its heap (one wasm32 memory, at most 4 GiB) cannot grow, and
 * Emscripten surfaces that as "Aborted(). Build with -sASSERTIONS for more info.", which names neither cause nor
 * fix. Other errors pass through unchanged.
 */
export function explainBackendError(message: string): string {
  if (EMSCRIPTEN_ABORT.test(message)) {
    return (
      `The wasm backend aborted, most likely because its heap (at most 4 GiB) ran out of memory: lower batch_size or ` +
      'max_len (or the vocabulary of a causal LM head), or run on a larger backend with --backend tensorflow.'
    );
  }
  return message;
}
