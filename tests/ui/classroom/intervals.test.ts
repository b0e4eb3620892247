// Intervals checked against values computed independently (Wilson's formula evaluated in Python) and by hand.
import { expect, test } from 'vitest';
import { pairedChange, wilsonInterval } from '../../../src/ui/classroom/intervals.ts';

test('Wilson interval of 27 errors in 102 turns', () => {
  // Python: centre (p + z²/2n)/(1 + z²/n), half-width z/(1 + z²/n)·sqrt(p(1−p)/n + z²/4n²) -> 0.18876, 0.35773.
  const [lo, hi] = wilsonInterval(27, 102);
  expect(lo).toBeCloseTo(0.18876, 4);
  expect(hi).toBeCloseTo(0.35773, 4);
});

test('Wilson interval stays inside [0, 1] at the edges', () => {
  const [lo, hi] = wilsonInterval(0, 10);
  expect(lo).toBe(0);
  expect(hi).toBeCloseTo(0.2775, 3);
});

test('paired change: one turn fixed of four gives -25 pt with an interval from the differences', () => {
  const r = pairedChange([true, false, true, false], [true, true, true, false]);
  expect(r).toMatchObject({ fixed: 1, broken: 0, n: 4 });
  expect(r.change).toBeCloseTo(-0.25, 10);
  // d = [0, -1, 0, 0]: sample variance 0.25, se 0.25, half-width 1.96 * 0.25.
  expect(r.high - r.change).toBeCloseTo(1.959964 * 0.25, 6);
});

test('paired change of identical models is exactly zero', () => {
  expect(pairedChange([true, false], [true, false])).toMatchObject({ change: 0, low: 0, high: 0 });
});

test('paired change refuses turns that do not line up', () => {
  expect(() => pairedChange([true], [true, false])).toThrow('1 turns before, 2 after');
});
