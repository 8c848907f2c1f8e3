// The store's user-facing error: one sentence naming the path, so the CLI can print it as is.

export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}
