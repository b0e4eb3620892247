import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_CONFIG, resolveDataConfig } from '../../../src/core/data/config.ts';

describe('resolveDataConfig', () => {
  it('returns the frozen defaults merged with overrides', () => {
    expect(Object.isFrozen(DEFAULT_DATA_CONFIG)).toBe(true);
    const c = resolveDataConfig({ n: 10, mix: { parallel: 0.5 } });
    expect(c.n).toBe(10);
    expect(c.mix).toEqual({ ...DEFAULT_DATA_CONFIG.mix, parallel: 0.5 });
  });
  it('names the bad field', () => {
    expect(() => resolveDataConfig({ n: 0 })).toThrow('data.n must be an integer >= 1, got 0');
    expect(() => resolveDataConfig({ mix: { single: -1 } })).toThrow('data.mix.single must be >= 0, got -1');
    expect(() => resolveDataConfig({ mix: { bogus: 1 } as never })).toThrow('data.mix.bogus is not a sample category');
    expect(() => resolveDataConfig({ distractors: { min: 2, max: 1 } })).toThrow('data.distractors.max');
    expect(() => resolveDataConfig({ split: { val: 0.5, test: 0.5 } })).toThrow('data.split must be');
    expect(() => resolveDataConfig({ nope: 1 } as never)).toThrow('data.nope is not a data config field');
  });
});
