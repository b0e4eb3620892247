// The comparison the threads and replicas sections make of their runs: the first run (one thread, one replica)
// against the last (the most), on throughput, and every run's step losses against the first's.
import { sig } from './timing.ts';

export interface ComparedRun {
  tokensPerSec: number;
  losses: number[];
}

/** `speedup`: tokens/s of the last run over the first (3 significant digits); `lossMaxDiff`: largest |step-loss difference| from the first. */
export function compareRuns(runs: readonly ComparedRun[]): { speedup: number; lossMaxDiff: number } {
  if (runs.length === 0) throw new Error('compareRuns: no runs');
  const one = runs[0];
  const most = runs[runs.length - 1];
  const lossMaxDiff = Math.max(0, ...runs.flatMap((r) => r.losses.map((l, i) => Math.abs(l - one.losses[i]))));
  return { speedup: sig(most.tokensPerSec / one.tokensPerSec, 3), lossMaxDiff };
}
