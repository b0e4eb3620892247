import { afterEach, describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import { createAdamW, disposeAdamW, type AdamW } from '../../../src/core/train/optimizer.ts';
import { disposeSftBatch, makeSftBatch, type EncodedSample } from '../../../src/core/train/sft_data.ts';
import { sftLoss } from '../../../src/core/train/sft.ts';
import { clipScale, globalNorm, NonFiniteError, trainStep } from '../../../src/core/train/train_step.ts';
import { paramValues, tinyPolicy } from './tiny_policy.ts';

const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));
const track = (opt: AdamW): AdamW => (cleanup.push(() => disposeAdamW(opt)), opt);

describe('gradient clipping', () => {
  it('computes the global norm over all tensors and the PyTorch clip factor', async () => {
    const ts = [tf.tensor1d([3, 4]), tf.tensor2d([[12]])];
    cleanup.push(() => tf.dispose(ts));
    expect(await globalNorm(ts)).toBeCloseTo(13, 5);
    expect(clipScale(13, 1)).toBeCloseTo(1 / 13, 6);
    expect(clipScale(0.5, 1)).toBe(1);
    expect(clipScale(13, 0)).toBe(1);
  });

  it('applies the clipped gradient: the first moment is (1 - beta1) · g · max/|g|', async () => {
    const p = tf.variable(tf.tensor2d([[0, 0]]), true);
    cleanup.push(() => p.dispose());
    const opt = track(createAdamW({ w: p }, adam));
    const c = tf.tensor2d([[3, 4]]);
    cleanup.push(() => c.dispose());
    const r = await trainStep({ w: p }, () => tf.sum(tf.mul(p, c)), opt, { lr: 0.1, maxGradNorm: 1 });
    expect(r.gradNorm).toBeCloseTo(5, 5); // reported before clipping
    const m = Array.from(opt.moments.w.expAvg.dataSync());
    expect(m[0]).toBeCloseTo(0.1 * 0.6, 6);
    expect(m[1]).toBeCloseTo(0.1 * 0.8, 6);
  });
});

describe('gradient accumulation', () => {
  const a: EncodedSample[] = [{ ids: [1, 2, 3, 4, 5], lossMask: [0, 0, 1, 1, 1] }];
  const b: EncodedSample[] = [{ ids: [6, 7, 1], lossMask: [0, 1, 1] }, { ids: [2, 3, 4, 5, 6, 7], lossMask: [0, 0, 0, 0, 1, 1] }];

  it('two micro-batches give the loss and gradient of one batch of both (1e-5)', async () => {
    const run = async (groups: EncodedSample[][]): Promise<{ loss: number; m: Record<string, number[]> }> => {
      const policy = tinyPolicy(8, 6, 3);
      const opt = createAdamW(policy.params, adam);
      const batches = groups.map((g) => makeSftBatch(g, 0));
      const r = await trainStep(policy.params, batches.map((bt) => ({ loss: () => sftLoss(policy, bt), weight: bt.targetTokens })), opt, { lr: 0.01, maxGradNorm: 0 });
      const m = Object.fromEntries(Object.entries(opt.moments).map(([k, v]) => [k, Array.from(v.expAvg.dataSync())]));
      batches.forEach(disposeSftBatch);
      disposeAdamW(opt);
      policy.dispose();
      return { loss: r.loss, m };
    };
    const split = await run([a, b]);
    const joint = await run([[...a, ...b]]);
    expect(split.loss).toBeCloseTo(joint.loss, 5);
    for (const k of Object.keys(joint.m)) {
      const diff = Math.max(...joint.m[k].map((v, i) => Math.abs(v - split.m[k][i])));
      expect(diff, k).toBeLessThan(1e-5);
    }
    expect(Math.max(...Object.values(joint.m).flat().map(Math.abs))).toBeGreaterThan(1e-3); // not trivially zero
  });
});

describe('NaN guard', () => {
  it('throws before updating when the loss is NaN, leaving parameters, step and memory as they were', async () => {
    const policy = tinyPolicy(8, 6, 1);
    cleanup.push(() => policy.dispose());
    const opt = track(createAdamW(policy.params, adam));
    const before = paramValues(policy.params);
    const tensorsBefore = tf.memory().numTensors;
    const bad = (): tf.Scalar => tf.mul(tf.sum(policy.params['mlp.bias']), Number.NaN);
    await expect(trainStep(policy.params, bad, opt, { lr: 0.1, maxGradNorm: 1 })).rejects.toThrow(NonFiniteError);
    await expect(trainStep(policy.params, bad, opt, { lr: 0.1, maxGradNorm: 1 })).rejects.toThrow('loss is NaN');
    expect(paramValues(policy.params)).toEqual(before);
    expect(opt.step).toBe(0);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('catches an infinite gradient behind a finite loss', async () => {
    const p = tf.variable(tf.tensor2d([[0]]), true);
    cleanup.push(() => p.dispose());
    const opt = track(createAdamW({ w: p }, adam));
    // d/dp sqrt(p) at 0 is +Inf while sqrt(0) = 0
    await expect(trainStep({ w: p }, () => tf.sum(tf.sqrt(p)), opt, { lr: 0.1, maxGradNorm: 1 })).rejects.toThrow('gradient norm is');
    expect(p.dataSync()[0]).toBe(0);
  });
});
