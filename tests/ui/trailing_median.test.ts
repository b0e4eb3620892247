import { describe, expect, test } from 'vitest';
import type { MetricPoint } from '../../src/protocol.ts';
import { trailingMedian, trailingMedians } from '../../src/ui/trailing_median.ts';

describe('trailingMedian', () => {
  test('replaces each value by the median of the last window values, so a one-step spike does not show', () => {
    const points = [0.1, 0.2, 14500, 0.3, 0.1, 0.2, 0.4].map((kl, i) => ({ step: i + 1, kl, loss: i }));
    const got = trailingMedian(points, 'kl', 5);
    // windows: [0.1] [0.1 0.2] [0.1 0.2 14500] [0.1 0.2 0.3 14500] [0.1 0.1 0.2 0.3 14500] [0.1 0.2 0.2 0.3 14500] [0.1 0.2 0.3 0.4 14500]
    expect(got.map((p) => p.kl)).toEqual([0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.3]);
    expect(got.map((p) => [p.step, p.loss])).toEqual(points.map((p) => [p.step, p.loss]));
  });

  test('leaves out points without the key and reads the window over the points that have it', () => {
    const got = trailingMedian([{ step: 1, kl: 3 }, { step: 2 }, { step: 3, kl: 1 }, { step: 4, kl: 2 }], 'kl', 3);
    expect(got).toEqual([{ step: 1, kl: 3 }, { step: 3, kl: 1 }, { step: 4, kl: 2 }]);
  });
});

describe('trailingMedians', () => {
  test('smooths each key over the points that have it and keeps every point and other key', () => {
    const points: MetricPoint[] = [
      { step: 1, kl: 0.1, 'kl/chosen': 1, loss: 5 },
      { step: 2, kl: 900, loss: 4 },
      { step: 3, kl: 0.3, 'kl/chosen': 3, loss: 3 },
      { step: 4, kl: 0.2, 'kl/chosen': 2, loss: 2 },
    ];
    const got = trailingMedians(points, ['kl', 'kl/chosen'], 3);
    // kl windows: [0.1] [0.1 900] [0.1 0.3 900] [0.2 0.3 900]; kl/chosen over steps 1, 3, 4: [1] [1 3] [1 2 3]
    expect(got).toEqual([
      { step: 1, kl: 0.1, 'kl/chosen': 1, loss: 5 },
      { step: 2, kl: 0.1, loss: 4 },
      { step: 3, kl: 0.3, 'kl/chosen': 1, loss: 3 },
      { step: 4, kl: 0.3, 'kl/chosen': 2, loss: 2 },
    ]);
    expect(points[1].kl).toBe(900);
  });
});
