import { describe, expect, it } from 'vitest';
import { aggregateLoopReports, type LoopReport } from '../../../src/core/pipeline/loop_report.ts';
import { mcnemarExact } from '../../../src/core/scoring/significance.ts';

const outcome = (aWins: number, bWins: number, turns = 100) => ({ turns, aWins, bWins, p: mcnemarExact(aWins, bWins) });
const seed = (s: number, vsStart: [number, number], vsControl: [number, number]): LoopReport => ({
  kind: 'loop', seed: s, wallMs: 60_000, goal: { met: false },
  start: { errorRate: 0.4, ci: [0.35, 0.45], turns: 100 },
  arms: {
    ttpa: { errorRate: 0.38, ci: [0.33, 0.43], vsStart: outcome(...vsStart) },
    control: { errorRate: 0.39, ci: [0.34, 0.44], vsStart: outcome(1, 1) },
  },
  ttpaVs: { control: outcome(...vsControl) },
} as unknown as LoopReport);

describe('aggregateLoopReports', () => {
  it('adds up the seeds\' discordant turns and tests the pooled counts (exact McNemar)', () => {
    const agg = aggregateLoopReports('demo', [seed(1, [6, 1], [3, 2]), seed(2, [4, 3], [0, 5])]);
    expect(agg.report.pooled.turns).toBe(200);
    expect(agg.report.pooled.ttpaVsStart).toEqual({ turns: 200, aWins: 10, bWins: 4, p: mcnemarExact(10, 4) });
    expect(agg.report.pooled.ttpaVs.control).toMatchObject({ aWins: 3, bWins: 7 });
    expect(agg.markdown).toContain('| all (200 turns) |');
    expect(agg.markdown).toContain(`10 / 4, p = ${mcnemarExact(10, 4).toFixed(3)}`);
    expect(agg.report.goalMetAllSeeds).toBe(false);
  });
});
