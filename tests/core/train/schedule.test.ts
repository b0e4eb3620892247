import { describe, expect, it } from 'vitest';
import { learningRate } from '../../../src/core/train/schedule.ts';

describe('learningRate', () => {
  const cfg = { lr: 1e-3, lrMinRatio: 0.1, warmupSteps: 10, steps: 110 };
  it('warms up linearly to the peak', () => {
    expect(learningRate(0, cfg)).toBeCloseTo(1e-4, 12);
    expect(learningRate(4, cfg)).toBeCloseTo(5e-4, 12);
    expect(learningRate(9, cfg)).toBeCloseTo(1e-3, 12);
  });
  it('starts the cosine at the peak, is halfway at the middle, ends at lr * lrMinRatio', () => {
    expect(learningRate(10, cfg)).toBeCloseTo(1e-3, 12);
    // decay runs over steps 10..109 (99 intervals); cos(pi/2) = 0 at step 10 + 49.5
    expect((learningRate(59, cfg) + learningRate(60, cfg)) / 2).toBeCloseTo(0.55e-3, 6);
    expect(learningRate(109, cfg)).toBeCloseTo(1e-4, 12);
    expect(learningRate(500, cfg)).toBeCloseTo(1e-4, 12);
  });
  it('without warmup starts at the peak; a one-step run uses the peak', () => {
    expect(learningRate(0, { ...cfg, warmupSteps: 0 })).toBe(1e-3);
    expect(learningRate(0, { ...cfg, warmupSteps: 0, steps: 1 })).toBe(1e-3);
  });
});
