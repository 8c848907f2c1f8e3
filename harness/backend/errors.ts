// Backend failures that arrive as bare runtime errors, turned into one sentence a user can act on.

const ABORTED = 'The wasm backend aborted';
const EMSCRIPTEN_ABORT = /^(RuntimeError: )?Aborted\(/;

/**
 * The wasm backend's allocator calls abort() when its heap (one wasm32 memory, at most 4 GiB) cannot grow, and
 * Emscripten surfaces that as "Aborted(). Build with -sASSERTIONS for more info.", which names neither cause nor
 * fix. Other errors pass through unchanged.
 */
export function explainBackendError(message: string): string {
  if (EMSCRIPTEN_ABORT.test(message)) {
    return (
      `${ABORTED}, most likely because its heap (at most 4 GiB) ran out of memory: lower batch_size or ` +
      'max_len (or the vocabulary of a causal LM head), or run on a larger backend with --backend tensorflow.'
    );
  }
  return message;
}

/**
 * Whether an (explained) error text says the wasm backend aborted. Only for a record that crossed a process boundary
 * (the queue's worker reads its child's result); within a process, harness/backend/health.ts judges by state.
 */
export function backendIsDead(message: string | null | undefined): boolean {
  return !!message && (message.startsWith(ABORTED) || EMSCRIPTEN_ABORT.test(message) || /^memory access out of bounds/.test(message));
}
