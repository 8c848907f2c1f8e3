// The tokenizer API: train, load from JSON, or get the cached built-in one; special ids are fixed.
export { trainTokenizer, tokenizerFromJSON, ALGORITHM_VERSION, type Tokenizer, type TokenizerOptions } from './bpe.js';
export * from './special.js';
