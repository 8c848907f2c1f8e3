// Where a WebGPU step's time goes, counted: compute dispatches, GPU buffer creations and GPU→CPU reads (each read
// waits for the queue to drain). bench/gpu.ts reports them per step; tests assert on them (counts, never times).
/* eslint-disable @typescript-eslint/no-explicit-any -- tfjs's WebGPU backend internals are untyped here. */

export interface GpuCounts {
  /** dispatchWorkgroups calls: tfjs's programs and ftbench's own kernels. */
  dispatches: number;
  /** GPU buffers created (not taken from tfjs's free pool): per-step growth means memory growth. */
  allocs: number;
  /** Buffer maps for reading (dataSync / data() of a tensor on the GPU). */
  reads: number;
}

const counts: GpuCounts = { dispatches: 0, allocs: 0, reads: 0 };

/** Running totals since the backend started; take differences around the code to measure. */
export function gpuCounts(): Readonly<GpuCounts> {
  return { ...counts };
}

export function countDispatch(): void {
  counts.dispatches++;
}

export function countRead(): void {
  counts.reads++;
}

const instrumented = new WeakSet<object>();

/**
 * Wraps the backend's dispatch recording, async reads and its buffer manager's buffer creation (once per backend).
 * The synchronous read path is ftbench's own (webgpu.ts) and counts itself.
 */
export function instrument(backend: any): void {
  if (instrumented.has(backend)) return;
  instrumented.add(backend);
  const record = backend.recordAndSubmit.bind(backend);
  backend.recordAndSubmit = (...args: unknown[]) => {
    counts.dispatches++;
    return record(...args);
  };
  const getBufferData = backend.getBufferData.bind(backend);
  backend.getBufferData = (...args: unknown[]) => {
    counts.reads++;
    return getBufferData(...args);
  };
  const bm = backend.bufferManager;
  const device = bm.device;
  bm.device = {
    createBuffer: (d: unknown) => {
      counts.allocs++;
      return device.createBuffer(d);
    },
  };
}
