// The copy kernels against tf.split/tf.unstack/tf.stack/tf.concat on wasm: identical values and gradients
// for every axis, including unused outputs (zero gradient), and no tensor left behind.
import { beforeAll, describe, expect, it } from 'vitest';
import { concatAxis, splitAxis, stackRows, unstackRows } from '../../../src/core/model/split_concat.ts';
import { tf } from '../../../src/core/runtime/tf.ts';
import { useBackend } from './helpers.ts';

const same = (a: tf.Tensor, b: tf.Tensor): void => {
  expect(a.shape).toEqual(b.shape);
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
};

describe('split_concat on wasm', () => {
  beforeAll(() => useBackend('wasm'));

  it('splits and concatenates like tf.split and tf.concat on every axis, values and gradients', () => {
    const x = tf.randomNormal([3, 4, 5, 70], 0, 1, 'float32', 7); // last axis: pieces of 66 and 4 (both copy loops)
    const w = tf.randomNormal([3, 4, 5, 70], 0, 1, 'float32', 8);
    const cases: [number[], number][] = [[[1, 2], 0], [[3, 1], 1], [[2, 2, 1], 2], [[66, 4], 3], [[20, 50], -1]];
    for (const [sizes, axis] of cases) {
      const ours = splitAxis(x, sizes, axis);
      const theirs = tf.split(x, sizes, axis);
      ours.forEach((p, i) => same(p, theirs[i]));
      same(concatAxis(ours, axis), x);
      // Only the first piece reaches the loss: the others' gradient is zero.
      const loss = (f: (t: tf.Tensor) => tf.Tensor[]) => (t: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(concatAxis([tf.mul(f(t)[0], 2), ...f(t).slice(1).map((p) => tf.mul(p, 0))], axis), w));
      same(tf.grad(loss((t) => splitAxis(t, sizes, axis)))(x), tf.grad(loss((t) => tf.split(t, sizes, axis)))(x));
      const catLoss = (f: (ts: tf.Tensor[]) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(f([a, b]), w));
      const [a, b] = tf.split(x, [sizes[0], sizes.slice(1).reduce((s, n) => s + n, 0)], axis);
      const gOurs = tf.grads(catLoss((ts) => concatAxis(ts, axis)))([a, b]);
      const gTheirs = tf.grads(catLoss((ts) => tf.concat(ts, axis)))([a, b]);
      gOurs.forEach((g, i) => same(g, gTheirs[i]));
    }
  });

  it('unstacks and stacks rows like tf.unstack and tf.stack, with gradients', () => {
    const x = tf.randomNormal([4, 6, 8], 0, 1, 'float32', 9);
    unstackRows(x).forEach((r, i) => same(r, tf.unstack(x)[i]));
    same(stackRows(unstackRows(x)), x);
    const loss = (un: (t: tf.Tensor) => tf.Tensor[], st: (ts: tf.Tensor[]) => tf.Tensor) => (t: tf.Tensor): tf.Scalar =>
      tf.sum(tf.square(st(un(t).map((r, i) => tf.mul(r, i + 1)))));
    same(tf.grad(loss(unstackRows, stackRows))(x), tf.grad(loss((t) => tf.unstack(t), (ts) => tf.stack(ts)))(x));
  });

  it('leaves no tensor behind', () => {
    const x = tf.randomNormal([2, 3, 4]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.grad((t: tf.Tensor) => tf.sum(stackRows(splitAxis(t, [1, 2], 1).map((p) => tf.reshape(p, [-1])).slice(0, 1))))(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
