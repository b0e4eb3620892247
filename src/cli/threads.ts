// The wasm thread settings of a `ttpa` process: --threads, and the count it starts with when no option sets it: TTPA_THREADS when set (as
// OMP_NUM_THREADS is for OpenMP: a parent that runs several processes at once gives each its share), else
// every core this process may use. Read here, in the CLI, because core never reads the environment.
import { availableParallelism } from 'node:os';
import type { BackendReport } from '../core/runtime/backend.ts';
import { setDefaultWasmThreads } from '../core/runtime/wasm_threads.ts';
import { optNum, UsageError, type OptionSpec, type ParsedArgs } from './args.ts';

export const THREADS_ENV = 'TTPA_THREADS';

/** TTPA_THREADS as a count (undefined when unset or empty); any other value is an error naming it. */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[THREADS_ENV];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`${THREADS_ENV} must be an integer from 1 to 64, got '${raw}'`);
  return n;
}

/** Makes TTPA_THREADS (when set) the default wasm thread count of this process. */
export function applyThreadsEnv(env: NodeJS.ProcessEnv = process.env): void {
  const n = threadsFromEnv(env);
  if (n !== undefined) setDefaultWasmThreads(n);
}

/** The cores this process's wasm threads may use: TTPA_THREADS when set, else os.availableParallelism(). */
export function coresForThreads(env: NodeJS.ProcessEnv = process.env): number {
  return threadsFromEnv(env) ?? availableParallelism();
}

/** The `--threads` option of every command that starts a backend. */
export const THREADS_OPTION: OptionSpec = { name: 'threads', type: 'int', help: `wasm threads (default: ${THREADS_ENV} when set, else the cores available)` };

/** --threads as given (undefined: the default), checked. */
export function threadsOption(args: ParsedArgs): number | undefined {
  const n = optNum(args, 'threads');
  if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 64)) throw new UsageError(`--threads must be an integer from 1 to 64, got ${n}`);
  return n;
}

/** "wasm (2 threads)", "wasm (1 thread: <why fewer>)", "cpu": the backend line of every command. */
export function describeBackend(b: BackendReport): string {
  if (b.backend !== 'wasm') return b.backend;
  return `wasm (${b.threads} thread${b.threads === 1 ? '' : 's'}${b.threadsNote ? `: ${b.threadsNote}` : ''})`;
}

/** The `--replicas` option of the training commands (data-parallel over worker threads, src/cli/replica_pool.ts). */
export const REPLICAS_OPTION: OptionSpec = {
  name: 'replicas', type: 'int',
  help: 'data-parallel replicas: this thread plus N-1 worker threads, each holding a copy of the model and computing a share of every batch; same losses as 1 (default 1; with N > 1 each runs --threads wasm threads, default 1)',
};

/** --replicas as given, checked (1 when absent). */
export function replicasOption(args: ParsedArgs): number {
  const n = optNum(args, 'replicas') ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--replicas must be an integer from 1 to 64, got ${n}`);
  return n;
}

/** The wasm threads of each runtime: --threads when given; with replicas, 1 each (they share the cores); else the default. */
export function runtimeThreads(args: ParsedArgs): number | undefined {
  return threadsOption(args) ?? (replicasOption(args) > 1 ? 1 : undefined);
}

/** The backend line with the data-parallel replicas, e.g. "wasm (1 thread); 2 data-parallel replicas: this thread and 1 worker thread, wasm 1 thread each". */
export function describeRun(b: BackendReport, pool?: { count: number; description: string }): string {
  if (!pool) return describeBackend(b);
  return `${describeBackend(b)}; ${pool.count + 1} data-parallel replicas: this thread and ${pool.description}`;
}
