// The native backend's memory rules (tensors freed on disposal, reads are copies, shared buffers live while viewed)
// and the frugal backprop (same gradients as tfjs's own, no leaks, a lower peak).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../harness/backend/index.js';
import { setFrugalGradients } from '../harness/backend/frugal_grad.js';
import type { NativeBackend } from '../harness/backend/native_backend.js';
import { tinyBatch, tinyModel, tinyObjective } from './helpers/tiny.js';

const info = await initBackend('auto');
const skip = info.name !== 'native' ? 'the native kernel pack is not built here' : undefined;
const arrayBuffersMb = () => process.memoryUsage().arrayBuffers / 2 ** 20;

test('a tensor our kernels allocated is freed the moment it is disposed, not at the next GC', { skip }, () => {
  const x = tf.ones([1024, 1024]);
  const before = arrayBuffersMb();
  const ys = Array.from({ length: 8 }, () => tf.add(x, x)); // 8 × 4 MiB, native Add
  assert.ok(arrayBuffersMb() - before >= 31, `allocated ${arrayBuffersMb() - before} MiB`);
  tf.dispose(ys);
  assert.ok(arrayBuffersMb() - before < 1, `${arrayBuffersMb() - before} MiB still held after disposal`);
  x.dispose();
});

test('dataSync returns a copy that outlives the tensor; a buffer two tensors share lives until both are gone', { skip }, () => {
  const y = tf.mul(tf.ones([64]), 3);
  const values = y.dataSync();
  y.dispose();
  assert.equal(values.length, 64);
  assert.equal(values[5], 3);
  // Two tensors viewing one buffer we allocated (as the stock Slice's subarrays do).
  const backend = tf.backend() as NativeBackend;
  const whole = tf.add(tf.ones([8]), tf.ones([8]));
  const arr = backend.valuesOf(whole) as Float32Array;
  const half = tf.engine().makeTensorFromTensorInfo(backend.makeTensorInfo([4], 'float32', arr.subarray(4)));
  whole.dispose();
  assert.deepEqual(Array.from(half.dataSync()), [2, 2, 2, 2]);
  half.dispose();
  assert.equal(arr.length, 0, 'the buffer was not released after its last view went');
});

test('frugal backprop gives tfjs\'s gradients exactly, leaks nothing, and peaks lower', { skip }, () => {
  for (const family of ['encoder', 'decoder'] as const) {
    const model = tinyModel(family);
    const batch = tinyBatch(8, 3);
    model.training = true;
    const vars = model.named().map(([, v]) => v);
    const run = (frugal: boolean) => {
      setFrugalGradients(frugal);
      const engine = tf.engine() as unknown as { runKernel: (...a: unknown[]) => unknown };
      const runKernel = engine.runKernel;
      let peak = 0;
      engine.runKernel = (...a: unknown[]) => { const r = runKernel.apply(engine, a); peak = Math.max(peak, tf.memory().numTensors); return r; };
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => tinyObjective.loss(model, batch) as tf.Scalar, vars);
      engine.runKernel = runKernel;
      const out = { loss: value.dataSync()[0], grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync()])), peak: peak - before };
      tf.dispose([value, ...Object.values(grads)]);
      assert.equal(tf.memory().numTensors, before, `${family}: tensors leaked (frugal ${frugal})`);
      return out;
    };
    const stock = run(false), frugal = run(true);
    setFrugalGradients(true);
    assert.equal(frugal.loss, stock.loss);
    assert.deepEqual(Object.keys(frugal.grads).sort(), Object.keys(stock.grads).sort());
    for (const k of Object.keys(stock.grads)) assert.deepEqual(frugal.grads[k], stock.grads[k], `${family}: gradient of ${k}`);
    assert.ok(frugal.peak < stock.peak, `${family}: peak live tensors ${frugal.peak} (frugal) against ${stock.peak}`);
    model.dispose();
  }
});
