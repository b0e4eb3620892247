// Small reference bundles written by hand for the classroom tests: per-turn outcomes as '1'/'0' strings, the
// report fields the classroom reads, in both layouts (format 2 with several runs, the older single run).
import { BUNDLE_FORMAT } from '../../../src/ui/classroom/classroom_data.ts';

const rate = (exact: string): number => [...exact].filter((c) => c === '0').length / exact.length;
const arm = (exact: string): { errorRate: number; meanEsm: number; turns: number; ci: [number, number] } =>
  ({ errorRate: rate(exact), meanEsm: 0.9, turns: exact.length, ci: [Math.max(0, rate(exact) - 0.1), Math.min(1, rate(exact) + 0.1)] });

/**
 * One seed of a loop run: the start model and TTPA with their per-turn exactness; `kept` = TTPA's selected round;
 * `continued`: a continued-SFT arm's, when given.
 */
export function loopRun(seed: number, start: string, ttpa: string, kept: number, continued?: string) {
  const rounds = [{ round: 1, valErrorRate: 0.3 }, { round: 2, valErrorRate: 0.25 }];
  return {
    report: {
      kind: 'loop', preset: 'hand', seed, wallMs: 60_000 * seed, start: arm(start),
      arms: { ttpa: { ...arm(ttpa), selectedRound: kept, rounds }, ...(continued ? { 'sft-continued': { ...arm(continued), selectedRound: 2, rounds } } : {}) },
    },
    exact: { sft: start, ttpa, ...(continued ? { 'sft-continued': continued } : {}) } as Record<string, string>,
    curves: { ttpa: [{ step: 1, loss: 0.69, kl: 0 }] },
  };
}

export function bundleOf(runs: ReturnType<typeof loopRun>[]) {
  return { format: BUNDLE_FORMAT, runs, teaching: { note: 'details of seed 1', details: [], samples: [] } };
}

/** The single-run layout bundles had before format 2: one report, per-turn objects, details at the top. */
export function singleRunBundle(start: string, token: string) {
  const perTurn = (s: string): { sampleId: string; turn: number; exact: boolean }[] => [...s].map((c, i) => ({ sampleId: `s${i}`, turn: 1, exact: c === '1' }));
  return {
    source: { run: 'old', preset: 'demo', seed: 1, bundledAt: '2026-12-01T00:00:00Z', startModel: 'models/default', note: 'details recomputed on the first 8 train samples' },
    report: { preset: 'demo', seed: 1, wallMs: 120_000, arms: { sft: { errorRate: rate(start), meanEsm: 0.9, turns: start.length }, token: { errorRate: rate(token), meanEsm: 0.9, turns: token.length } } },
    perTurn: { sft: perTurn(start), token: perTurn(token) },
    curves: {}, details: [], samples: [],
  };
}
