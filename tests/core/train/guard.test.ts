import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import { createGuard, createKlCheck, DEFAULT_GUARD, DivergenceError, resolveGuardConfig, weightNorm } from '../../../src/core/train/guard.ts';

describe('the divergence guard', () => {
  it('weight norm is the L2 norm of the trainable variables only (hand-worked: |(3, 4)| = 5)', async () => {
    const params = { a: tf.variable(tf.tensor1d([3, 0])), b: tf.variable(tf.tensor2d([[0, 4]])), frozen: tf.variable(tf.tensor1d([100]), false) };
    expect(await weightNorm(params)).toBeCloseTo(5, 6);
    Object.values(params).forEach((v) => v.dispose());
  });

  it('stops on a loss over maxLossRatio x max(first loss, 1), weights over maxWeightNormRatio x the start, KL over maxKl', async () => {
    const w = tf.variable(tf.tensor1d([3, 4]));
    const guard = await createGuard(resolveGuardConfig(), { w });
    guard.checkLoss(0.5); // first loss below 1: the limit is 10 x 1
    guard.checkLoss(9.9);
    expect(() => guard.checkLoss(10.1)).toThrow(DivergenceError);
    await guard.checkWeights({ w });
    w.assign(tf.tensor1d([3 * 20, 4 * 20]));
    await guard.checkWeights({ w }); // exactly 20x: still allowed
    w.assign(tf.tensor1d([3 * 21, 4 * 21]));
    await expect(guard.checkWeights({ w })).rejects.toThrow('weight norm 105.0 is over 20x its starting value 5.000');
    w.assign(tf.tensor1d([Number.NaN, 0]));
    await expect(guard.checkWeights({ w })).rejects.toThrow(DivergenceError);
    expect(() => createKlCheck(DEFAULT_GUARD)(1.9e3)).toThrow('KL to the reference on the chosen tokens 1900 per token (median of the last 1 steps) is over the limit 10');
    expect(() => createKlCheck(DEFAULT_GUARD)(Number.NaN)).toThrow(DivergenceError);
    w.dispose();
  });

  it('KL: a spike within the window passes, a trailing median over the limit stops (hand-worked medians)', () => {
    const check = createKlCheck({ ...DEFAULT_GUARD, maxKl: 2 });
    for (const kl of [0.2, 0.3, 2.3, 0.4, 0.1]) check(kl); // median of the five: 0.3
    check(5); // window 0.3, 2.3, 0.4, 0.1, 5: median 0.4
    expect(() => check(4)).toThrow('KL to the reference on the chosen tokens 2.300 per token (median of the last 5 steps) is over the limit 2'); // 2.3, 0.4, 0.1, 5, 4
    // the demo loop's one-batch spike (seed 1, round 1, step 89) passes the default limit
    const demo = createKlCheck(DEFAULT_GUARD);
    for (const kl of [0.3, 0.2, 516.5, 0.8, 0.3]) demo(kl);
  });

  it('validates overrides, naming the field', () => {
    expect(resolveGuardConfig({ maxKl: 3 })).toEqual({ ...DEFAULT_GUARD, maxKl: 3 });
    expect(() => resolveGuardConfig({ maxKl: 0 })).toThrow('guard.maxKl must be a number > 0, got 0');
    expect(() => resolveGuardConfig({ maxLos: 2 } as never)).toThrow('guard.maxLos is not a known setting');
  });
});
