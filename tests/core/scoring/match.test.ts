import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import { bestAssignment, callsMatchUnordered, jsonEqual } from '../../../src/core/scoring/match.ts';

function bruteForce(score: number[][]): number {
  const rows = score.length;
  const cols = score[0].length;
  const need = Math.min(rows, cols);
  let best = -Infinity;
  const go = (i: number, used: Set<number>, total: number, made: number): void => {
    if (made === need) return void (best = Math.max(best, total));
    if (i === rows) return;
    go(i + 1, used, total, made);
    for (let j = 0; j < cols; j++) {
      if (used.has(j)) continue;
      used.add(j);
      go(i + 1, used, total + score[i][j], made + 1);
      used.delete(j);
    }
  };
  go(0, new Set(), 0, 0);
  return best;
}

describe('match', () => {
  it('jsonEqual: key order free, 1 == 1.0, true != 1', () => {
    expect(jsonEqual({ a: [1, { b: 2 }], c: 'x' }, { c: 'x', a: [1.0, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: true }, { a: 1 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: undefined }, {})).toBe(false);
  });
  it('callsMatchUnordered: order free, multiset', () => {
    const f = { name: 'f', arguments: { a: 1 } };
    const g = { name: 'g', arguments: {} };
    expect(callsMatchUnordered([g, f], [f, g])).toBe(true);
    expect(callsMatchUnordered([f, f], [f, g])).toBe(false);
  });
  it('bestAssignment equals brute force on random matrices', () => {
    const rng = createRng(5);
    for (let t = 0; t < 200; t++) {
      const rows = 1 + rng.int(4);
      const cols = 1 + rng.int(4);
      const m = Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.int(5) / 4));
      const pairs = bestAssignment(m);
      expect(pairs.length).toBe(Math.min(rows, cols));
      expect(new Set(pairs.map((p) => p[0])).size).toBe(pairs.length);
      expect(new Set(pairs.map((p) => p[1])).size).toBe(pairs.length);
      expect(pairs.reduce((s, [i, j]) => s + m[i][j], 0)).toBeCloseTo(bruteForce(m), 12);
    }
  });
});
