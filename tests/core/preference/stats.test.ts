import { describe, expect, it } from 'vitest';
import { turnDecisionWarning } from '../../../src/core/preference/stats.ts';

describe('turnDecisionWarning', () => {
  it('names one-sided turn-decision pairs, in either direction', () => {
    expect(turnDecisionWarning({ rejectedCategories: { irrelevance: 105, no_call: 9, wrong_value: 3000 } }))
      .toMatch(/^turn decisions are one-sided: 105 pairs prefer not calling a tool, 9 prefer calling one; .* stop calling tools/);
    expect(turnDecisionWarning({ rejectedCategories: { no_call: 12 } }))
      .toMatch(/12 pairs prefer calling a tool, 0 prefer not calling one; .* call tools where none fits/);
  });
  it('stays quiet for balanced or few such pairs', () => {
    expect(turnDecisionWarning({ rejectedCategories: { irrelevance: 20, no_call: 10 } })).toBeUndefined();
    expect(turnDecisionWarning({ rejectedCategories: { irrelevance: 9 } })).toBeUndefined();
    expect(turnDecisionWarning({ rejectedCategories: { wrong_value: 400 } })).toBeUndefined();
  });
});
