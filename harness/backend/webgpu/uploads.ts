// Uploads without a fresh buffer each time. tfjs's WebGPU backend copies CPU values (every scalar an op makes, every
// batch) through a staging buffer it creates and destroys per upload: a dozen buffer creations per training step.
// queue.writeBuffer copies into the pooled destination directly (Dawn stages internally, reusing its own memory).
// Ordering holds: a pooled buffer is never in use by commands recorded but not yet submitted (tfjs defers releases
// to the submit), and writeBuffer lands before the next submit, so before every command that reads it.
/* eslint-disable @typescript-eslint/no-explicit-any -- tfjs's WebGPU backend internals are untyped here. */
import * as tf from '@tensorflow/tfjs';

export function patchUploads(WebGPUBackend: any): void {
  WebGPUBackend.prototype.uploadToGPU = function uploadToGPU(this: any, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (data.resource != null) return; // already on the GPU
    const bytesPer = data.dtype === 'float16' ? 2 : 4;
    const size = bytesPer * tf.util.sizeFromShape(data.shape);
    const G = (globalThis as any).GPUBufferUsage;
    const buffer = this.bufferManager.acquireBuffer(size, G.STORAGE | G.COPY_SRC | G.COPY_DST);
    if (data.values) {
      const v = data.values;
      const typed = data.dtype === 'int32' || data.dtype === 'bool'
        ? (v instanceof Int32Array ? v : Int32Array.from(v as ArrayLike<number>))
        : (v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>));
      if (size > 0) this.queue.writeBuffer(buffer, 0, typed.buffer, typed.byteOffset, size);
      data.values = null; // once uploaded, the values live on the GPU only (as tfjs's own upload)
    }
    data.resource = buffer;
  };
}
