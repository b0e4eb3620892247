import { describe, expect, test } from 'vitest';
import { logAxisTicks } from '../../src/ui/chart.ts';

describe('logAxisTicks', () => {
  test('labels 0 and the powers of ten only, none below 0 when every value is 0 or more', () => {
    expect(logAxisTicks([-0.01, 0, 0.01, 0.02, 0.05, 0.1, 1, 3, 10, 1000], [[0, 0.2, 3], [null, 0]]))
      .toEqual([null, 0, 0.01, null, null, 0.1, 1, null, 10, 1000]);
  });
  test('keeps the ticks below 0 when a value is negative', () => {
    expect(logAxisTicks([-0.1, -0.05, -0.01, 0, 0.1], [[0.2], [null, -0.05]])).toEqual([-0.1, null, -0.01, 0, 0.1]);
  });
});
