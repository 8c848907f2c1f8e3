// Where a backend keeps tensor data, as the kernel pack sees it: the wasm heap plus byte offsets, or one typed array
// per tensor (the native backend). Each kernel is written once against this and registered on both backends.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeBackend } from '../native_backend.js';
import { heapOf, offsetOf } from './heap.js';

/** A tensor as the addon takes it: a byte offset into the heap, or the tensor's own typed array. */
export type TensorRef = number | Float32Array | Int32Array | Uint8Array;
type Values = Float32Array | Int32Array | Uint8Array;

export interface TensorMemory {
  backendName: 'wasm' | 'native';
  /** The addon's first argument: the wasm heap (read it after the kernel's last allocation), or null. */
  heap(b: object): Uint8Array | null;
  ref(b: object, t: tf.TensorInfo): TensorRef;
  /** What the addon takes for an absent optional tensor. */
  none: TensorRef | null;
  /** A new tensor whose contents the kernel fully writes (uninitialised). */
  alloc(b: object, shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** The tensor's data as a JS view (on wasm valid until the next allocation). */
  view(b: object, t: tf.TensorInfo): Values;
  free(b: object, t: tf.TensorInfo): void;
}

export const wasmMemory: TensorMemory = {
  backendName: 'wasm',
  heap: (b) => heapOf(b as BackendWasm),
  ref: (b, t) => offsetOf(b as BackendWasm, t),
  none: -1,
  alloc: (b, shape, dtype) => (b as BackendWasm).makeOutput(shape, dtype),
  view: (b, t) => (b as BackendWasm).typedArrayFromHeap(t) as Values,
  free: (b, t) => { (b as BackendWasm).disposeData(t.dataId); },
};

export const nativeMemory: TensorMemory = {
  backendName: 'native',
  heap: () => null,
  ref: (b, t) => (b as NativeBackend).valuesOf(t),
  none: null,
  alloc: (b, shape, dtype) => (b as NativeBackend).allocate(shape, dtype),
  view: (b, t) => (b as NativeBackend).valuesOf(t),
  free: (b, t) => { (b as NativeBackend).disposeData(t.dataId); },
};

/** Runs the kernel registered as `name` on this memory's backend (the stock one, or ours where we replaced it). */
export function runKernel(mem: TensorMemory, name: string, inputs: tf.NamedTensorInfoMap, b: object,
  attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
  return tf.getKernel(name, mem.backendName)!.kernelFunc({ inputs, backend: b, attrs }) as tf.TensorInfo;
}
