// SFT speed against the data-parallel replica count: the same seeded steps on the default model, with 1 and 2
// replicas (this runtime plus worker threads, each one wasm thread), each count in a fresh runtime so its
// main thread runs one wasm thread too. The host starts those runtimes and the workers; this file compares.
import { disposeModel } from '../model/params.ts';
import type { StartReplicas } from '../train/replica.ts';
import type { BenchConfig } from './config.ts';
import { createBenchModel } from './models.ts';
import { timeSftSteps } from './sft_steps.ts';
import { sig } from './timing.ts';
import { compareRuns } from './run_comparison.ts';

/** One replica count's run, as the fresh runtime reports it. */
export interface ReplicaRun {
  replicas: number;
  /** The main runtime's backend and what the workers run, e.g. "wasm (1 thread); 1 worker thread, wasm 1 thread each". */
  runtime: string;
  tokensPerSec: number;
  stepMs: number;
  /** CPU time per step over every thread of the runtime and its workers (Node), ms: the work, not the wait. */
  cpuMsPerStep?: number;
  losses: number[];
}

export interface ReplicasFigures {
  model: string;
  seqLen: number;
  batchSize: number;
  runs: ReplicaRun[];
  /** tokens/s of the most replicas over one. */
  speedup: number;
  /** CPU time per step with one replica over that with the most (1 = sharing adds no work; the wall-time speedup on idle cores is at most replicas × this). */
  cpuEfficiency?: number;
  /** Largest |loss difference| of any step between any run and the one-replica run (same seed, same data). */
  lossMaxDiff: number;
}

/** Starts a fresh runtime and runs `sftReplicaRun` there with `replicas` replicas. */
export type RunAtReplicas = (replicas: number) => Promise<ReplicaRun>;

/** What the fresh runtime runs: the SFT section's steps on the first SFT model, shared with `replicas - 1` started replicas. */
export async function sftReplicaRun(cfg: BenchConfig, replicas: number, backend: string, start?: StartReplicas, cpuClockMs?: () => number): Promise<ReplicaRun> {
  const model = createBenchModel(cfg.sftModels[0]);
  let workers = '';
  const startReplicas: StartReplicas | undefined = start && (async (spec) => {
    const pool = await start(spec);
    workers = `; ${pool.description}`;
    return pool;
  });
  try {
    const r = await timeSftSteps(model, { seqLen: cfg.sftSeqLen, batchSize: cfg.sftBatchSize, steps: cfg.sftSteps, cpuClockMs, startReplicas: replicas > 1 ? startReplicas : undefined });
    return {
      replicas, runtime: backend + workers, tokensPerSec: sig(r.tokensPerSec), stepMs: sig(r.stepMs),
      ...(r.cpuMsPerStep !== undefined ? { cpuMsPerStep: sig(r.cpuMsPerStep) } : {}), losses: r.losses,
    };
  } finally {
    disposeModel(model);
  }
}

/** Runs each of `cfg.replicaCounts` in its own runtime, one after the other, and compares them. */
export async function benchReplicas(cfg: BenchConfig, runAt: RunAtReplicas): Promise<ReplicasFigures> {
  const runs: ReplicaRun[] = [];
  for (const n of cfg.replicaCounts) runs.push(await runAt(n));
  const one = runs[0];
  const most = runs[runs.length - 1];
  return {
    model: cfg.sftModels[0].name, seqLen: cfg.sftSeqLen, batchSize: cfg.sftBatchSize, runs,
    ...compareRuns(runs),
    ...(one.cpuMsPerStep && most.cpuMsPerStep ? { cpuEfficiency: sig(one.cpuMsPerStep / most.cpuMsPerStep, 3) } : {}),
  };
}
