import { describe, expect, it } from 'vitest';
import type { EvalReport, TurnRecord } from '../../../src/core/scoring/evaluate.ts';
import { bootstrapInterval, mcnemarExact, pairedByTurnKind, pairedLeadInterval, pairedOutcome } from '../../../src/core/scoring/significance.ts';

describe('mcnemarExact', () => {
  it('matches the exact binomial sign test computed by hand', () => {
    expect(mcnemarExact(1, 5)).toBeCloseTo(14 / 64, 12); // 2·(C(6,0)+C(6,1))/2^6
    expect(mcnemarExact(0, 6)).toBeCloseTo(2 / 64, 12);
    expect(mcnemarExact(5, 1)).toBeCloseTo(14 / 64, 12);
    expect(mcnemarExact(3, 3)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
  });

  it('gives the p-values quoted in the loop issue (Python math.comb)', () => {
    expect(mcnemarExact(27, 13)).toBeCloseTo(0.03847730828420026, 10);
    expect(mcnemarExact(11, 7)).toBeCloseTo(0.480682373046875, 10);
    expect(mcnemarExact(21, 29)).toBeCloseTo(0.3222363203575469, 10);
    expect(mcnemarExact(25, 26)).toBe(1);
  });

  it('stays finite for large counts', () => {
    const p = mcnemarExact(600, 400);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-9);
  });

  it('refuses negative or fractional counts', () => {
    expect(() => mcnemarExact(-1, 2)).toThrow(/integers >= 0/);
    expect(() => mcnemarExact(1.5, 2)).toThrow(/integers >= 0/);
  });
});

describe('bootstrapInterval', () => {
  const errors = Array.from({ length: 1000 }, (_, i) => i % 10 < 3); // 30% errors

  it('brackets the rate like the normal approximation for a large sample', () => {
    const ci = bootstrapInterval(errors, { seed: 1 });
    expect(ci.rate).toBeCloseTo(0.3, 12);
    const se = Math.sqrt((0.3 * 0.7) / 1000); // 0.0145
    expect(ci.lo).toBeCloseTo(0.3 - 1.96 * se, 2);
    expect(ci.hi).toBeCloseTo(0.3 + 1.96 * se, 2);
    expect(ci.n).toBe(1000);
  });

  it('is reproducible for a seed and narrower at a lower level', () => {
    expect(bootstrapInterval(errors, { seed: 3 })).toEqual(bootstrapInterval(errors, { seed: 3 }));
    const wide = bootstrapInterval(errors, { seed: 3 });
    const narrow = bootstrapInterval(errors, { seed: 3, level: 0.5 });
    expect(narrow.hi - narrow.lo).toBeLessThan(wide.hi - wide.lo);
  });

  it('collapses to the rate when every outcome is the same', () => {
    expect(bootstrapInterval([true, true, true], { seed: 0 })).toMatchObject({ rate: 1, lo: 1, hi: 1 });
    expect(() => bootstrapInterval([])).toThrow(/no outcomes/);
  });
});

describe('pairedOutcome', () => {
  const turn = (sampleId: string, turn: number, exact: boolean): TurnRecord => ({ sampleId, turn, exact } as TurnRecord);
  const report = (turns: TurnRecord[]): EvalReport => ({ turns } as EvalReport);

  it('counts the discordant turns by (sample, turn), whatever the order', () => {
    const a = report([turn('s1', 1, true), turn('s1', 3, true), turn('s2', 1, false), turn('s3', 1, true)]);
    const b = report([turn('s3', 1, true), turn('s2', 1, true), turn('s1', 3, false), turn('s1', 1, false)]);
    expect(pairedOutcome(a, b)).toEqual({ turns: 4, aWins: 2, bWins: 1, p: 1 });
  });

  it('splits the count into call turns and text turns (ground truth with and without a call)', () => {
    const at = (sampleId: string, exact: boolean, calls: number): TurnRecord => ({ sampleId, turn: 1, exact, errors: [] as TurnRecord['errors'], expected: Array.from({ length: calls }, () => ({ name: 'f', arguments: {} })) } as TurnRecord);
    // call turns s1-s4: A wins s1, s2; B wins s3; s4 tie. Text turns s5-s7: B wins s5, s6; A wins none; s7 tie
    const a = report([at('s1', true, 1), at('s2', true, 2), at('s3', false, 1), at('s4', true, 1), at('s5', false, 0), at('s6', false, 0), at('s7', true, 0)]);
    const b = report([at('s1', false, 1), at('s2', false, 2), at('s3', true, 1), at('s4', true, 1), at('s5', true, 0), at('s6', true, 0), at('s7', true, 0)]);
    const split = pairedByTurnKind(a, b);
    expect(split.call).toEqual({ turns: 4, aWins: 2, bWins: 1, p: mcnemarExact(2, 1) });
    expect(split.text).toEqual({ turns: 3, aWins: 0, bWins: 2, p: 0.5 });
    expect(pairedOutcome(a, b)).toMatchObject({ turns: 7, aWins: 2, bWins: 3 });
  });

  it('counts the call turns where both call apart: a turn either side answered in plain text (no_call) is left out', () => {
    const noCall = [{ category: 'no_call' as const, message: 'answered in plain text' }];
    const wrong = [{ category: 'wrong_value' as const, message: 'x' }];
    const at = (sampleId: string, exact: boolean, calls: number, errors: TurnRecord['errors'] = []): TurnRecord => ({ sampleId, turn: 1, exact, errors, expected: Array.from({ length: calls }, () => ({ name: 'f', arguments: {} })) } as TurnRecord);
    // s1: A right, B wrong value (both call: A wins). s2: A right, B answers in text (a decision: left out).
    // s3: A answers in text, B right (left out). s4: A wrong value, B right (both call: B wins). s5: a text turn (left out).
    const a = report([at('s1', true, 1), at('s2', true, 1), at('s3', false, 1, noCall), at('s4', false, 1, wrong), at('s5', false, 0, [{ category: 'irrelevance', message: 'x' }])]);
    const b = report([at('s1', false, 1, wrong), at('s2', false, 1, noCall), at('s3', true, 1), at('s4', true, 1), at('s5', true, 0)]);
    const split = pairedByTurnKind(a, b);
    expect(split.call).toMatchObject({ turns: 4, aWins: 2, bWins: 2 });
    expect(split.bothCall).toEqual({ turns: 2, aWins: 1, bWins: 1, p: 1 });
    expect(split.text).toMatchObject({ turns: 1, aWins: 0, bWins: 1 });
  });

  it('refuses reports over different turns', () => {
    const a = report([turn('s1', 1, true), turn('s2', 1, true)]);
    expect(() => pairedOutcome(a, report([turn('s1', 1, true)]))).toThrow(/different turns/);
    expect(() => pairedOutcome(a, report([turn('s1', 1, true), turn('s9', 1, true)]))).toThrow(/s2#1 is missing/);
  });
});

describe('pairedLeadInterval', () => {
  // Normal approximation of a paired difference of proportions: d in {+1, -1, 0} per turn,
  // var(d) = (b + c) / n - ((b - c) / n)^2, se = sqrt(var / n) (e.g. Agresti, Categorical Data Analysis, 10.1).
  const normal = (b: number, c: number, n: number) => {
    const lead = (b - c) / n;
    const se = Math.sqrt(((b + c) / n - lead * lead) / n);
    return [lead - 1.96 * se, lead + 1.96 * se];
  };

  it('matches the normal approximation on one large stratum (the k = 6 seed 1 counts, 148 / 115 of 5,277)', () => {
    const r = pairedLeadInterval([{ turns: 5277, aWins: 148, bWins: 115 }]);
    const [lo, hi] = normal(148, 115, 5277);
    expect(r.lead).toBeCloseTo(33 / 5277, 12);
    expect(r.lo).toBeCloseTo(lo, 3);
    expect(r.hi).toBeCloseTo(hi, 3);
    expect(r.turns).toBe(5277);
  });

  it('pools strata by turns, resampling inside each: two opposite seeds give a lead near 0 with a narrower interval', () => {
    const one = pairedLeadInterval([{ turns: 5277, aWins: 148, bWins: 115 }]);
    const both = pairedLeadInterval([{ turns: 5277, aWins: 148, bWins: 115 }, { turns: 5346, aWins: 119, bWins: 149 }]);
    expect(both.lead).toBeCloseTo((267 - 264) / 10623, 12);
    expect(both.lo).toBeLessThan(0);
    expect(both.hi).toBeGreaterThan(0);
    expect(both.hi - both.lo).toBeLessThan(one.hi - one.lo);
    // Stratified resampling keeps each stratum's size: a stratum with no discordant turns only dilutes the lead.
    const diluted = pairedLeadInterval([{ turns: 100, aWins: 10, bWins: 0 }, { turns: 100, aWins: 0, bWins: 0 }]);
    expect(diluted.lead).toBeCloseTo(0.05, 12);
    expect(diluted.lo).toBeGreaterThan(0);
    expect(diluted.hi).toBeLessThanOrEqual(0.1);
  });

  it('is reproducible from its seed and refuses impossible counts', () => {
    const s = [{ turns: 300, aWins: 20, bWins: 11 }];
    expect(pairedLeadInterval(s, { seed: 3 })).toEqual(pairedLeadInterval(s, { seed: 3 }));
    expect(() => pairedLeadInterval([])).toThrow(/no strata/);
    expect(() => pairedLeadInterval([{ turns: 10, aWins: 6, bWins: 5 }])).toThrow(/aWins \+ bWins <= turns/);
  });
});
