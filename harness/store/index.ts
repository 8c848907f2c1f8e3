// The results store's public face: the Store class, its records and its error type.
export { Store, type OpenOptions, type FinishedOptions } from './store.js';
export { StoreError } from './errors.js';
export { REPORTED_CSV } from './reported.js';
export * from './types.js';
