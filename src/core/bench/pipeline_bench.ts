// `ttpa pipeline` on a loop preset run twice from scratch: its arms one after another (--jobs 1) and in
// parallel processes (--jobs 2), compared by wall time and by their reports, which must agree. The host
// runs the pipelines (Node: child processes, each a fresh run folder); this file compares what they give.
import type { LoopReport } from '../pipeline/loop_report.ts';
import { sig } from './timing.ts';

/** The loop a built-in bench preset adds to models/presets/tiny.json (the full bench's and the quick one). */
export interface PipelineBenchLoop {
  rounds: number;
  promptsPerRound: number;
  valLimit: number;
  arms: string[];
}

/** One pipeline run as the host timed it. */
export interface PipelineRun {
  jobs: number;
  /** wasm threads each process ran (from the pipeline's own backend line). */
  threads: number;
  wallSec: number;
  report: LoopReport;
}

export interface PipelineJobsFigures {
  /** The preset's name and where it came from ('built-in: tiny with a loop' or a preset name/path). */
  preset: string;
  arms: string[];
  runs: Omit<PipelineRun, 'report'>[];
  /** Wall time with the most jobs over the run with one. */
  wallRatio: number;
  /** Report fields (start, each arm's results, TTPA's comparisons) that differ between the runs: none expected. */
  reportDifferences: string[];
}

/** Runs the pipeline from scratch with `jobs` processes and times it. */
export type RunPipelineAt = (jobs: number) => Promise<PipelineRun>;

/** What must not depend on --jobs: every result, without the timings and the per-round curves. */
export function comparableLoopReport(r: LoopReport): Record<string, unknown> {
  const arms = Object.fromEntries(Object.entries(r.arms).map(([a, x]) => [a, { ...x, rounds: undefined }]));
  return { start: r.start, arms, ttpaVs: r.ttpaVs, goal: r.goal };
}

function differences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = (o: Record<string, unknown>, k: string): Record<string, unknown> => (o[k] ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  for (const k of ['start', 'goal']) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(k);
  for (const k of ['arms', 'ttpaVs']) {
    for (const name of new Set([...Object.keys(keys(a, k)), ...Object.keys(keys(b, k))])) {
      if (JSON.stringify(keys(a, k)[name]) !== JSON.stringify(keys(b, k)[name])) out.push(`${k}.${name}`);
    }
  }
  return out;
}

/** Runs the pipeline at each job count in turn (1 first) and compares the others with it. */
export async function benchPipelineJobs(preset: string, runAt: RunPipelineAt, jobCounts: number[] = [1, 2]): Promise<PipelineJobsFigures> {
  const runs: PipelineRun[] = [];
  for (const jobs of jobCounts) runs.push(await runAt(jobs));
  const one = runs[0];
  const most = runs[runs.length - 1];
  const base = comparableLoopReport(one.report);
  return {
    preset, arms: Object.keys(one.report.arms),
    runs: runs.map(({ report: _report, ...r }) => ({ ...r, wallSec: sig(r.wallSec, 3) })),
    wallRatio: sig(most.wallSec / one.wallSec, 3),
    reportDifferences: [...new Set(runs.slice(1).flatMap((r) => differences(base, comparableLoopReport(r.report))))],
  };
}
