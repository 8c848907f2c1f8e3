// The `native` tensor backend: tfjs's cpu backend (tensors in plain typed arrays, bounded by RAM, not a 4 GiB wasm
// heap) with its stock kernels, where the kernel pack's native kernels replace the ones training spends time in.
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { constants } from 'node:buffer';
import type { NativeAddon } from './native/index.js';

const MAX_LENGTH = constants.MAX_LENGTH;

type Values = Float32Array | Int32Array | Uint8Array;

/**
 * Memory: outputs of our kernels are allocated uninitialised (`Buffer.allocUnsafeSlow`, never the shared pool) and
 * freed the moment tfjs disposes the last tensor using them (`addon.release` detaches the ArrayBuffer, which frees
 * it), instead of when V8's next full collection finds them: activations live long enough to reach the old
 * generation, and a training step would otherwise hold several steps' worth of dead buffers. Only buffers this
 * backend allocated are released, and only when no tensor still views them (the stock Slice returns subarrays);
 * data read out (`dataSync`) is a copy, so nothing outside the backend can hold a view that goes empty.
 */
export class NativeBackend extends MathBackendCPU {
  private readonly users = new WeakMap<ArrayBufferLike, number>(); // tensors viewing each buffer we allocated

  constructor(private readonly addon: NativeAddon) {
    super();
    // MathBackendCPU warns on first use that tfjs-node would be faster; it would not be here.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /**
   * The tensor's data as an array of its dtype. The stock Cast reuses the data when no information is lost, so a
   * float32 tensor cast from bool or int32 still holds a Uint8Array or Int32Array: kernels get a converted copy.
   */
  valuesOf(t: tf.TensorInfo): Values {
    const values = this.data.get(t.dataId)!.values as Values;
    if (t.dtype === 'float32' && !(values instanceof Float32Array)) return Float32Array.from(values);
    if (t.dtype === 'int32' && !(values instanceof Int32Array)) return Int32Array.from(values);
    return values;
  }

  allocate(shape: number[], dtype: tf.DataType): tf.TensorInfo {
    const n = shape.reduce((p, s) => p * s, 1);
    const bytes = dtype === 'bool' ? n : n * 4;
    let buf: ArrayBuffer;
    try {
      // Node's Buffers stop at 4 GiB; a bigger tensor takes a plain (zero-filled) ArrayBuffer.
      buf = bytes < MAX_LENGTH ? Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer : new ArrayBuffer(bytes);
    } catch {
      throw new Error(`A ${dtype} tensor of shape [${shape.join(', ')}] needs ${(bytes / 2 ** 30).toFixed(2)} GiB, which this machine could not ` +
        'allocate: lower batch_size or max_len, or train fewer parameters (lora, qlora, gradient_checkpointing).');
    }
    const values = dtype === 'float32' ? new Float32Array(buf, 0, n) : dtype === 'bool' ? new Uint8Array(buf, 0, n) : new Int32Array(buf, 0, n);
    this.users.set(buf, 0);
    return this.makeTensorInfo(shape, dtype, values);
  }

  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId {
    const id = super.write(values, shape, dtype);
    this.track(values);
    return id;
  }

  override move(dataId: tf.DataId, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.track(values);
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId)!.values : null;
    const done = super.disposeData(dataId, force);
    if (values && !this.data.has(dataId)) this.untrack(values);
    return done;
  }

  override readSync(dataId: tf.DataId): tf.backend_util.BackendValues {
    const values = super.readSync(dataId);
    return ArrayBuffer.isView(values) && this.users.has(values.buffer) ? (values as Values).slice() : values;
  }

  private track(values: unknown): void {
    if (!ArrayBuffer.isView(values)) return;
    const n = this.users.get(values.buffer);
    if (n !== undefined) this.users.set(values.buffer, n + 1);
  }

  private untrack(values: unknown): void {
    if (!ArrayBuffer.isView(values)) return;
    const n = this.users.get(values.buffer);
    if (n === undefined) return;
    if (n > 1) { this.users.set(values.buffer, n - 1); return; }
    this.users.delete(values.buffer);
    this.addon.release(values.buffer);
  }
}

/** Registers the `native` backend with a copy of every stock cpu kernel (the pack then replaces the hot ones). */
export function registerNativeBackend(addon: NativeAddon): void {
  if (tf.findBackendFactory('native')) return;
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (!tf.getKernel(k.kernelName, 'native')) tf.registerKernel({ ...k, backendName: 'native' });
  }
  // Priority 0: initBackend chooses it explicitly; tfjs must not pick it on its own.
  tf.registerBackend('native', () => new NativeBackend(addon), 0);
}
