// tf.addN for any number of tensors on every backend, WebGPU's 8 storage buffers per shader stage included.
import { tf } from './tf.ts';

/**
 * tf.addN in groups of at most 7. tfjs-webgpu's AddN binds every input and its output as storage buffers in
 * one shader, and the device tfjs asks for keeps WebGPU's default limit of 8 per shader stage (it raises
 * other limits, not this one): a larger AddN is a validation error, and what it returns is not the sum.
 */
export function addMany(xs: tf.Tensor[]): tf.Tensor {
  if (xs.length <= 7) return xs.length === 1 ? xs[0] : tf.addN(xs);
  const groups: tf.Tensor[] = [];
  for (let i = 0; i < xs.length; i += 7) groups.push(addMany(xs.slice(i, i + 7)));
  return addMany(groups);
}
