import { describe, expect, it } from 'vitest';
import { cutByLength } from '../../../src/core/train/balance_shares.ts';

describe('cutByLength', () => {
  it('puts one long item alone and the short ones together (worked by hand)', () => {
    // Lengths by index: item 2 is 100, the rest 10. Alone: 1 × 100 against 5 × 10 = 50; any other cut costs 200.
    const len = [10, 10, 100, 10, 10, 10];
    expect(cutByLength([0, 1, 2, 3, 4, 5], (i) => len[i], 2)).toEqual([[0, 1, 3, 4, 5], [2]]);
  });

  it('cuts equal lengths into equal counts, cheapest part first', () => {
    expect(cutByLength([7, 8, 9, 10, 11], () => 5, 2)).toEqual([[7, 8], [9, 10, 11]]);
    expect(cutByLength([3, 4, 5, 6], () => 1, 4)).toEqual([[3], [4], [5], [6]]);
  });

  it('minimises the costliest part over three parts', () => {
    // Longest first: 40, 30, 20, 20, 10, 10. Best: [40] 40, [30, 20] 60, [20, 10, 10] 60; every other cut has a part over 60.
    const len: Record<number, number> = { 0: 10, 1: 20, 2: 40, 3: 10, 4: 30, 5: 20 };
    const parts = cutByLength([0, 1, 2, 3, 4, 5], (i) => len[i], 3);
    const costs = parts.map((p) => p.length * Math.max(...p.map((i) => len[i])));
    expect(Math.max(...costs)).toBe(60);
    expect(parts.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(costs).toEqual([...costs].sort((a, b) => a - b));
  });
});
