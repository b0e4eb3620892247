// The line across seeds, worked by hand on three small seeds; p-values from the binomial by hand.
import { describe, expect, test } from 'vitest';
import { fromReference } from '../../../src/ui/classroom/classroom_data.ts';
import { summariseSeeds } from '../../../src/ui/classroom/seeds.ts';
import { bundleOf, loopRun } from './bundles.ts';

describe('summariseSeeds', () => {
  test('counts seeds with fewer and more errors, the ones that kept the start, and pools the turns', () => {
    const data = fromReference(bundleOf([
      loopRun(1, '1010101010', '1010101010', 0), // kept the start: nothing changes
      loopRun(2, '1000000000', '1111111000', 1), // 6 fixed, 0 broken: p = 2 · 0.5^6 = 0.03125
      loopRun(3, '1110000000', '1001000000', 2), // 1 fixed, 2 broken: p = 1
    ]));
    const s = data.seeds!;
    expect(s.rows.map((r) => [r.seed, r.vs?.fixed, r.vs?.broken, r.keptStart])).toEqual([[1, 0, 0, true], [2, 6, 0, false], [3, 1, 2, false]]);
    expect(s.rows[1].vs!.p).toBeCloseTo(0.03125, 12);
    expect(s).toMatchObject({ arm: 'TTPA', fewer: 1, more: 1, significant: 1, moreSignificant: 0, keptStart: 1 });
    // Pooled: 7 fixed, 2 broken of 30 turns; p = 2 · (1 + 9 + 36) / 2^9 = 0.1796875.
    expect(s.pooled!.turns).toBe(30);
    expect(s.pooled!.p).toBeCloseTo(0.1796875, 12);
    expect(s.line).toBe('TTPA had fewer test errors than the start model on 1 of 3 seeds, significantly (p < 0.05). It had more on 1 seed, not significantly (p ≥ 0.05). '
      + 'On 1 seed no training round beat the start model on validation, so TTPA there is the start model itself. '
      + 'All 3 seeds pooled (30 test turns): 7 turns fixed, 2 broken, p = 0.18: that difference could be noise.');
  });

  test('pooling can find what no seed alone does; no line about kept start models when none kept it', () => {
    const s = summariseSeeds(fromReference(bundleOf([
      loopRun(1, '0000000000', '1111100000', 1),
      loopRun(2, '0000000000', '1111100000', 2),
    ])).runs)!;
    // Each seed alone: 5 fixed, 0 broken, p = 2 · 0.5^5 = 0.0625; pooled: 10 fixed, 0 broken, p = 2 · 0.5^10.
    expect(s.pooled).toEqual({ turns: 20, fixed: 10, broken: 0, p: 2 / 1024 });
    expect(s.line).toBe('TTPA had fewer test errors than the start model on 2 of 2 seeds, none significantly (each p ≥ 0.05). '
      + 'All 2 seeds pooled (20 test turns): 10 turns fixed, 0 broken, p = 0.002: fewer errors, beyond noise.');
  });

  test('some seeds significant, some not', () => {
    const s = summariseSeeds(fromReference(bundleOf([
      loopRun(1, '0000000000', '1111110000', 1), // 6 fixed: p = 0.03125
      loopRun(2, '0000000000', '1111110000', 1),
      loopRun(3, '0000000000', '1000000000', 1), // 1 fixed: p = 1
    ])).runs)!;
    expect(s.line).toMatch(/^TTPA had fewer test errors than the start model on 3 of 3 seeds; 2 of them significantly \(p < 0\.05\)\. All 3 seeds pooled/);
  });

  test('with continued SFT in every seed: what it does alone, then TTPA against it pooled (the preference term\'s part)', () => {
    const s = summariseSeeds(fromReference(bundleOf([
      loopRun(1, '0000000000', '1111100000', 2, '1111000000'), // continued SFT: 4 fixed; TTPA against it: 1 / 0
      loopRun(2, '0000000000', '1110000001', 2, '1111000000'), // continued SFT: 4 fixed; TTPA against it: 1 / 1
    ])).runs)!;
    // TTPA against continued SFT pooled: 2 / 1, p = 2 · (1 + 3) / 2^3 = 1.
    expect(s.control).toEqual({ short: 'continued SFT', turns: 20, fixed: 2, broken: 1, p: 1, vsStart: { fixed: 8, broken: 0 } });
    expect(s.line).toBe('TTPA had fewer test errors than the start model on 2 of 2 seeds, none significantly (each p ≥ 0.05). '
      + 'All 2 seeds pooled (20 test turns): 9 turns fixed, 0 broken, p = 0.004: fewer errors, beyond noise. '
      + 'Continued SFT alone fixed 8 turns and broke 0. '
      + 'What the preference term adds, TTPA against continued SFT over all 2 seeds: 2 turns fixed, 1 broken, p = 1.00: that difference could be noise.');
    // a seed without it: no control sentence (the seeds would not be comparable)
    const mixed = summariseSeeds(fromReference(bundleOf([loopRun(1, '0000000000', '1111100000', 2, '1111000000'), loopRun(2, '0000000000', '1110000001', 2)])).runs)!;
    expect(mixed.control).toBeUndefined();
    expect(mixed.line).not.toContain('preference term');
  });

  test('no headline arm to compare gives no summary', () => {
    const run = loopRun(1, '10', '10', 0);
    expect(summariseSeeds([{ ...fromReference(bundleOf([run])).runs[0], headline: 'sft' }])).toBeUndefined();
  });
});
