import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import { maskedCrossEntropy, maskedNll } from '../../../src/core/train/sft_loss.ts';

describe('masked next-token loss', () => {
  it('equals a hand computation on a tiny logits example', () => {
    const ln3 = Math.log(3);
    // row 0: uniform over 3 -> log p = -ln 3; softmax(0, ln3, 0) = (1/5, 3/5, 1/5) -> log p(1) = ln 0.6;
    // a masked position with a terrible prediction (-100) must not count.
    // row 1: one trained position, softmax(0, 0, ln3)[2] = 3/5.
    const logits = tf.tensor3d([
      [[0, 0, 0], [0, ln3, 0], [100, 0, 0]],
      [[0, 0, ln3], [5, 1, 2], [0, 0, 0]],
    ]);
    const targets = tf.tensor2d([[1, 1, 1], [2, 0, 0]], undefined, 'int32');
    const mask = tf.tensor2d([[1, 1, 0], [1, 0, 0]]);
    const loss = maskedCrossEntropy(logits, targets, mask);
    // token mean over the 3 trained tokens: (ln 3 - ln 0.6 - ln 0.6) / 3
    expect(loss.dataSync()[0]).toBeCloseTo((ln3 - 2 * Math.log(0.6)) / 3, 5);
    tf.dispose([logits, targets, mask, loss]);
  });

  it('is 0, not NaN, when nothing is trained', () => {
    const logps = tf.tensor2d([[-1, -2]]);
    const mask = tf.zeros([1, 2]) as tf.Tensor2D;
    const loss = maskedNll(logps, mask);
    expect(Math.abs(loss.dataSync()[0])).toBe(0);
    tf.dispose([logps, mask, loss]);
  });
});
