import { afterEach, describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import { createAdamW, decays, disposeAdamW, type AdamW } from '../../../src/core/train/optimizer.ts';
import { restoreOptimizer, serializeOptimizer } from '../../../src/core/train/optimizer_state.ts';
import { trainStep } from '../../../src/core/train/train_step.ts';

const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
const owned: (tf.Variable | AdamW)[] = [];
afterEach(() => {
  for (const o of owned.splice(0)) 'moments' in o ? disposeAdamW(o) : o.dispose();
});

describe('AdamW', () => {
  it('matches two hand-computed steps on loss = p^2 (p0 = 1, lr 0.1, wd 0.1)', async () => {
    const p = tf.variable(tf.tensor2d([[1]]), true);
    const params = { w: p };
    const opt = createAdamW(params, adam);
    owned.push(p, opt);
    const loss = (): tf.Scalar => tf.sum(tf.square(p));
    // Step 1: g = 2; p = 1·(1 - 0.01) = 0.99; m = 0.2, v = 0.004; m̂ = 2, v̂ = 4; p = 0.99 - 0.1·2/(2 + 1e-8)
    await trainStep(params, loss, opt, { lr: 0.1, maxGradNorm: 0 });
    expect(p.dataSync()[0]).toBeCloseTo(0.89, 6);
    // Step 2: g = 1.78; p = 0.89·0.99 = 0.8811; m = 0.358, v = 0.0071644; m̂ = 0.358/0.19, v̂ = 0.0071644/0.001999
    // p = 0.8811 - 0.1·1.8842105/(1.8931434 + 1e-8) = 0.7815719
    await trainStep(params, loss, opt, { lr: 0.1, maxGradNorm: 0 });
    expect(p.dataSync()[0]).toBeCloseTo(0.7815719, 5);
    expect(opt.step).toBe(2);
    expect(opt.moments.w.expAvg.dataSync()[0]).toBeCloseTo(0.358, 6);
    expect(opt.moments.w.expAvgSq.dataSync()[0]).toBeCloseTo(0.0071644, 8);
  });

  it('does not decay rank-1 parameters (norm gains, biases) and skips frozen ones', async () => {
    const gain = tf.variable(tf.tensor1d([1]), true);
    const frozen = tf.variable(tf.tensor2d([[1]]), false);
    const params = { gain, frozen };
    const opt = createAdamW(params, { ...adam, weightDecay: 0.5 });
    owned.push(gain, frozen, opt);
    expect(decays(gain)).toBe(false);
    expect(Object.keys(opt.moments)).toEqual(['gain']);
    // zero gradient: Adam's update is 0/(0 + eps) = 0, so only decay could move the value
    await trainStep(params, () => tf.mul(tf.sum(gain), 0), opt, { lr: 0.1, maxGradNorm: 0 });
    expect(gain.dataSync()[0]).toBe(1);
    expect(frozen.dataSync()[0]).toBe(1);
  });

  it('serializes moments as <param>.exp_avg / .exp_avg_sq and restores them with the step', async () => {
    const p = tf.variable(tf.tensor2d([[1, -2]]), true);
    const opt = createAdamW({ w: p }, adam);
    owned.push(p, opt);
    await trainStep({ w: p }, () => tf.sum(tf.square(p)), opt, { lr: 0.1, maxGradNorm: 0 });
    const bytes = await serializeOptimizer(opt);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))));
    expect(header).toContain('"w.exp_avg"');
    expect(header).toContain('"w.exp_avg_sq"');
    const opt2 = createAdamW({ w: p }, adam);
    owned.push(opt2);
    restoreOptimizer(opt2, bytes);
    expect(opt2.step).toBe(1);
    expect(Array.from(opt2.moments.w.expAvg.dataSync())).toEqual(Array.from(opt.moments.w.expAvg.dataSync()));
    expect(Array.from(opt2.moments.w.expAvgSq.dataSync())).toEqual(Array.from(opt.moments.w.expAvgSq.dataSync()));
  });
});

describe('AdamW memory', () => {
  it('creating and disposing the optimizer leaves no tensor behind', () => {
    const p = tf.variable(tf.zeros([3, 2]), true);
    owned.push(p);
    const before = tf.memory().numTensors;
    disposeAdamW(createAdamW({ w: p }, adam));
    expect(tf.memory().numTensors).toBe(before);
  });
});
