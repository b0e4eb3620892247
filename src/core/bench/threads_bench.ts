// SFT speed against the wasm thread count: the same seeded steps on the default model, each thread count
// in a fresh runtime (tfjs starts one wasm module per process or worker, with its thread count fixed).
// The host starts those runtimes (Node: child processes; browser: workers); this file runs and compares.
import { disposeModel } from '../model/params.ts';
import { tf } from '../runtime/tf.ts';
import type { BenchConfig } from './config.ts';
import { createBenchModel } from './models.ts';
import { timeSftSteps } from './sft_steps.ts';
import { sig } from './timing.ts';
import { compareRuns } from './run_comparison.ts';

/** One thread count's run, as the fresh runtime reports it. */
export interface ThreadRun {
  /** Threads asked for, and those tfjs started (fewer where threads cannot run; see `threadsNote`). */
  threadsAsked: number;
  threads: number;
  threadsNote?: string;
  backend: string;
  tokensPerSec: number;
  stepMs: number;
  losses: number[];
}

export interface ThreadsFigures {
  model: string;
  seqLen: number;
  batchSize: number;
  runs: ThreadRun[];
  /** tokens/s of the most threads over one thread. */
  speedup: number;
  /** Largest |loss difference| of any step between any run and the one-thread run (same seed, same data). */
  lossMaxDiff: number;
}

/** Starts a fresh runtime with `threads` wasm threads and runs `sftThreadRun` there. */
export type RunAtThreads = (threads: number) => Promise<ThreadRun>;

/** What the fresh runtime runs: the SFT section's steps on the first SFT model (the backend is already started). */
export async function sftThreadRun(cfg: BenchConfig, backend: { threads: number; threadsNote?: string }, threadsAsked: number): Promise<ThreadRun> {
  const model = createBenchModel(cfg.sftModels[0]);
  try {
    const r = await timeSftSteps(model, { seqLen: cfg.sftSeqLen, batchSize: cfg.sftBatchSize, steps: cfg.sftSteps });
    return {
      threadsAsked, threads: backend.threads, ...(backend.threadsNote ? { threadsNote: backend.threadsNote } : {}),
      backend: tf.getBackend(), tokensPerSec: sig(r.tokensPerSec), stepMs: sig(r.stepMs), losses: r.losses,
    };
  } finally {
    disposeModel(model);
  }
}

/** Runs each of `cfg.threadCounts` in its own runtime, one after the other, and compares them. */
export async function benchThreads(cfg: BenchConfig, runAt: RunAtThreads): Promise<ThreadsFigures> {
  const runs: ThreadRun[] = [];
  for (const n of cfg.threadCounts) runs.push(await runAt(n));
  return {
    model: cfg.sftModels[0].name, seqLen: cfg.sftSeqLen, batchSize: cfg.sftBatchSize, runs,
    ...compareRuns(runs),
  };
}
