// The pipeline section's comparison on hand-made reports: the wall ratio, and every result that differs
// between the job counts named (timings and per-round curves are not results).
import { describe, expect, it } from 'vitest';
import { benchPipelineJobs, type PipelineRun } from '../../../src/core/bench/pipeline_bench.ts';
import type { LoopReport } from '../../../src/core/pipeline/loop_report.ts';

const arm = (errorRate: number) => ({ errorRate, ci: [0, 1], exactMatch: 1 - errorRate, meanEsm: 0.5, turns: 10, errorRates: {}, vsStart: { aWins: 1, bWins: 0, pValue: 1 }, rounds: [], selectedRound: 1 });
function report(ttpaError: number, wallMs: number): LoopReport {
  return {
    kind: 'loop', preset: 'p', seed: 1, wallMs, stages: [{ stage: 'data', elapsedMs: wallMs, skipped: false }], budget: '',
    start: { ...arm(0.5), valErrorRate: 0.5, valTurns: 4 }, headroom: null,
    arms: { ttpa: { ...arm(ttpaError), rounds: [{ round: 1, items: 2, steps: 2, valErrorRate: wallMs, valTurns: 4, loss: 1, kl: 0, logpsChosen: -1 }] }, control: arm(0.4) },
    ttpaVs: { control: { aWins: 0, bWins: 0, pValue: 1 } }, goal: { relativeErrorReduction: 0, target: 0.3, beatsEveryArm: false, met: false }, config: {},
  } as unknown as LoopReport;
}
const runs = (second: LoopReport) => async (jobs: number): Promise<PipelineRun> => (jobs === 1 ? { jobs, threads: 2, wallSec: 40, report: report(0.3, 1) } : { jobs, threads: 1, wallSec: 22, report: second });

describe('pipeline bench', () => {
  it('gives the wall ratio of 2 jobs over 1 and no differences when only timings and round curves differ', async () => {
    const f = await benchPipelineJobs('p', runs(report(0.3, 2)));
    expect(f).toMatchObject({ preset: 'p', arms: ['ttpa', 'control'], wallRatio: 0.55, reportDifferences: [] });
    expect(f.runs).toEqual([{ jobs: 1, threads: 2, wallSec: 40 }, { jobs: 2, threads: 1, wallSec: 22 }]);
  });

  it('names a result that differs', async () => {
    const f = await benchPipelineJobs('p', runs(report(0.2, 1)));
    expect(f.reportDifferences).toEqual(['arms.ttpa']);
  });
});
