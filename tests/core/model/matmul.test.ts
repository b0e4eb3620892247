// matMul2d's hand-written gradient against tf.matMul's own (values and both gradients) on wasm and cpu,
// for shapes on either side of its choice of which operand to transpose; linear against x @ W^T.
import { describe, expect, it } from 'vitest';
import { linear, matMul2d } from '../../../src/core/model/matmul.ts';
import { tf } from '../../../src/core/runtime/tf.ts';
import { useBackend } from './helpers.ts';

const maxRelDiff = (a: tf.Tensor, b: tf.Tensor): number => {
  const [x, y] = [a.dataSync(), b.dataSync()];
  let [diff, scale] = [0, 0];
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return diff / scale;
};

describe.each(['wasm', 'cpu'] as const)('matMul2d on %s', (backend) => {
  it.each([
    ['a^T dy (transpose a)', 64, 32, 128],
    ['(dy^T a)^T (transpose dy and the result)', 512, 256, 32],
  ])('gradient %s equals tf.matMul\'s', async (_name, M, K, N) => {
    await useBackend(backend);
    tf.tidy(() => {
      const a = tf.randomNormal([M, K], 0, 1, 'float32', 1) as tf.Tensor2D;
      const b = tf.randomNormal([K, N], 0, 1, 'float32', 2) as tf.Tensor2D;
      const w = tf.randomNormal([M, N], 0, 1, 'float32', 3);
      const loss = (f: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(f(x as tf.Tensor2D, y as tf.Tensor2D), w));
      const ours = tf.grads(loss(matMul2d))([a, b]);
      const theirs = tf.grads(loss((x, y) => tf.matMul(x, y)))([a, b]);
      expect(maxRelDiff(matMul2d(a, b), tf.matMul(a, b))).toBeLessThan(1e-6);
      expect(ours[0].shape).toEqual([M, K]);
      expect(ours[1].shape).toEqual([K, N]);
      expect(maxRelDiff(ours[0], theirs[0])).toBeLessThan(1e-5);
      expect(maxRelDiff(ours[1], theirs[1])).toBeLessThan(1e-5);
    });
  });

  it('linear of fused weights equals x @ [W1; W2]^T in value and weight gradients', async () => {
    await useBackend(backend);
    tf.tidy(() => {
      const x = tf.randomNormal([40, 16], 0, 1, 'float32', 4) as tf.Tensor2D;
      const [w1, w2] = [tf.randomNormal([24, 16], 0, 1, 'float32', 5), tf.randomNormal([8, 16], 0, 1, 'float32', 6)];
      const g = tf.randomNormal([40, 32], 0, 1, 'float32', 7);
      const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(linear(x, [a, b]), g)))([w1, w2]);
      const theirs = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, tf.concat([a, b], 0), false, true), g)))([w1, w2]);
      expect(maxRelDiff(ours[0], theirs[0])).toBeLessThan(1e-5);
      expect(maxRelDiff(ours[1], theirs[1])).toBeLessThan(1e-5);
    });
  });
});
