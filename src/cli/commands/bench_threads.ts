// The Node side of the bench's threads and scale sections: each thread count (and the scale section) runs in a fresh `ttpa bench` child
// process (tfjs fixes the wasm thread count when the module starts, once per process), which prints
// one JSON line. Spawning and parsing only; what the child measures is core's sftThreadRun.
import type { ScaleFigures } from '../../core/bench/scale_bench.ts';
import type { RunAtThreads, ThreadRun } from '../../core/bench/threads_bench.ts';
import type { ReplicaRun, RunAtReplicas } from '../../core/bench/replicas_bench.ts';
import { exitDescription, runTtpa } from '../ttpa_child.ts';

export const THREADS_CHILD_FLAG = 'threads-child';
export const SCALE_CHILD_FLAG = 'scale-child';
export const REPLICAS_CHILD_FLAG = 'replicas-child';

export function runAtThreadsInChild(quick: boolean): RunAtThreads {
  return (threads) => runChild<ThreadRun>([`--${THREADS_CHILD_FLAG}`, String(threads), ...(quick ? ['--quick'] : [])], `at ${threads} thread(s)`);
}

/** The replicas section's runs, each in a fresh child whose main thread runs one wasm thread beside its worker threads. */
export function runAtReplicasInChild(quick: boolean): RunAtReplicas {
  return (replicas) => runChild<ReplicaRun>([`--${REPLICAS_CHILD_FLAG}`, String(replicas), ...(quick ? ['--quick'] : [])], `with ${replicas} replica(s)`);
}

/** The scale section in a child: tfjs-backend-wasm aborts the process when its heap allocation fails. */
export function runScaleInChild(quick: boolean, threads: number | undefined): () => Promise<ScaleFigures[]> {
  return () => runChild<ScaleFigures[]>([`--${SCALE_CHILD_FLAG}`, ...(quick ? ['--quick'] : []), ...(threads ? ['--threads', String(threads)] : [])], 'for the scale section');
}

async function runChild<T>(flags: string[], what: string): Promise<T> {
  const r = await runTtpa(['bench', ...flags]);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    if (r.code !== 0) throw new Error(exitDescription(r));
    return JSON.parse(line) as T;
  } catch (e) {
    const why = r.stderr.split('\n').filter((l) => /Error|Aborted/.test(l)).slice(-2).join('; ') || r.stderr.trim().slice(-300) || line;
    throw new Error(`bench child ${what} failed (${(e as Error).message}): ${why}`);
  }
}
