// Whether the active backend has one of ftbench's fused kernels; ops fall back to plain tfjs ops when it does not.
import * as tf from '@tensorflow/tfjs';

export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) != null;
}

export function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: Record<string, unknown> = {}): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
}
