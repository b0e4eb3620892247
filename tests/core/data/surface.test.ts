import { describe, expect, it } from 'vitest';
import { resolveAlias, resolveDate, resolveList, resolveTime, todayLine, datePhrase } from '../../../src/core/data/surface.ts';
import { createRng } from '../../../src/core/rng.ts';

describe('surface forms', () => {
  it('resolves relative and absolute dates against a fixed today (hand-checked calendar)', () => {
    const today = '2026-03-14'; // a Saturday
    expect(todayLine(today)).toBe('Today is 2026-03-14 (Saturday).');
    expect(resolveDate('tomorrow', today)).toBe('2026-03-15');
    expect(resolveDate('yesterday', today)).toBe('2026-03-13');
    expect(resolveDate('next Friday', today)).toBe('2026-03-20');
    expect(resolveDate('next Saturday', today)).toBe('2026-03-21');
    expect(resolveDate('in 20 days', today)).toBe('2026-04-03');
    expect(resolveDate('3 days from today', today)).toBe('2026-03-17');
    expect(resolveDate('March 5, 2027', undefined)).toBe('2027-03-05');
    expect(resolveDate('5 March 2027', undefined)).toBe('2027-03-05');
    expect(resolveDate('tomorrow', undefined)).toBeUndefined();
  });
  it('writes date phrases that resolve back', () => {
    const rng = createRng(1);
    for (let i = 0; i < 200; i++) {
      const iso = `2026-0${1 + (i % 9)}-1${i % 10}`;
      const p = datePhrase(rng, iso, '2026-03-14');
      expect(resolveDate(p.surface, '2026-03-14')).toBe(iso);
    }
  });
  it('resolves times, lists and aliases', () => {
    expect(resolveTime('2:30 pm')).toBe('14:30');
    expect(resolveTime('12 am')).toBe('00:00');
    expect(resolveTime('9am')).toBe('09:00');
    expect(resolveTime('07:45')).toBe('07:45');
    expect(resolveList('3, 5 and 8')).toEqual([3, 5, 8]);
    expect(resolveList('home & work')).toEqual(['home', 'work']);
    expect(resolveAlias('temp_unit', 'degrees Fahrenheit')).toBe('f');
    expect(resolveAlias('currency', 'yen')).toBe('JPY');
    expect(resolveAlias('number', 'seven')).toBe(7);
    expect(resolveAlias('in_stock', 'in stock')).toBe(true);
    expect(resolveAlias('currency', 'doubloons')).toBeUndefined();
  });
});
