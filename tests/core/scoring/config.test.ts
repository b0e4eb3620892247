import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_CONFIG, resolveScoringConfig } from '../../../src/core/scoring/config.ts';

describe('resolveScoringConfig', () => {
  it('defaults are the TTPA code values and frozen', () => {
    expect(resolveScoringConfig()).toEqual({ weights: { name: 3, required: 3, key: 1, type: 2, value: 2 }, chooseThreshold: 0.8, caseInsensitiveCredit: 0.5, substringCredit: 0.5 });
    expect(Object.isFrozen(DEFAULT_SCORING_CONFIG)).toBe(true);
    expect(Object.isFrozen(DEFAULT_SCORING_CONFIG.weights)).toBe(true);
  });
  it('merges overrides', () => {
    const c = resolveScoringConfig({ weights: { value: 4 }, chooseThreshold: 0.5 });
    expect(c.weights).toEqual({ name: 3, required: 3, key: 1, type: 2, value: 4 });
    expect(c.chooseThreshold).toBe(0.5);
  });
  it.each([
    [{ weights: { name: -1 } }, 'scoring.weights.name must be a finite number >= 0, got -1'],
    [{ weights: { nme: 1 } }, 'scoring.weights.nme is not a known field'],
    [{ weights: { name: 0, required: 0, key: 0, type: 0, value: 0 } }, 'scoring.weights must have a positive sum'],
    [{ chooseThreshold: 1.5 }, 'scoring.chooseThreshold must be a number in [0, 1], got 1.5'],
    [{ substringCredit: '0.5' }, 'scoring.substringCredit must be a number in [0, 1], got "0.5"'],
    [{ threshold: 0.8 }, 'scoring.threshold is not a known field'],
    [[], 'scoring must be an object, got []'],
  ])('rejects %j', (overrides, message) => {
    expect(() => resolveScoringConfig(overrides)).toThrow(message);
  });
});
