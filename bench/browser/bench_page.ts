// The bench page: runs core's benchmark in a fresh module worker per backend (tfjs keeps one backend per
// thread) and hands the JSON report back to whoever drives the page (the CLI via Playwright). On wasm it
// also runs the threads section, one fresh worker per thread count (the count is fixed when wasm starts), and the
// replicas section: a fresh worker at one wasm thread per replica count, sharing each step with replica Web Workers.
import * as Comlink from 'comlink';
import type { BenchConfig } from '../../src/core/bench/config.ts';
import { judgeTargets, type BenchReport } from '../../src/core/bench/report.ts';
import { benchThreads } from '../../src/core/bench/threads_bench.ts';
import { benchReplicas, type ReplicaRun } from '../../src/core/bench/replicas_bench.ts';
import type { BenchApi } from './bench_api.ts';

async function inWorker<T>(fn: (api: Comlink.Remote<BenchApi>) => Promise<T>): Promise<T> {
  const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
  try {
    return await fn(Comlink.wrap<BenchApi>(worker));
  } finally {
    worker.terminate();
  }
}

async function run(backend: 'webgpu' | 'wasm' | 'cpu', config: BenchConfig, threads?: number): Promise<BenchReport> {
  const log = (name: string): void => console.log(`bench: ${backend}: ${name}`);
  const report = await inWorker((api) => api.run(backend, config, threads, Comlink.proxy(log)));
  if (backend !== 'wasm') return report;
  await section(report, 'threads', log, async () => {
    report.threads = await benchThreads(config, (n) => inWorker((api) => api.sftAtThreads(n, config)));
  });
  await section(report, 'replicas', log, async () => {
    report.replicas = await benchReplicas(config, (n) => replicaRun(config, n));
  });
  report.targets = judgeTargets(report);
  return report;
}

/** Runs one section of the page's own, recording its time and, if it throws, its error (as runBench does). */
async function section(report: BenchReport, name: 'threads' | 'replicas', log: (name: string) => void, body: () => Promise<void>): Promise<void> {
  log(name);
  const t0 = performance.now();
  try {
    await body();
  } catch (err) {
    report.errors[name] = err instanceof Error ? err.message : String(err);
  }
  report.sectionSec[name] = Number(((performance.now() - t0) / 1000).toPrecision(3));
}

/** One replica count's run alone (`ttpa bench --browser --replicas-child N`), so counts can be alternated. */
function replicaRun(config: BenchConfig, replicas: number): Promise<ReplicaRun> {
  return inWorker((api) => api.sftAtReplicas(replicas, config));
}

(window as unknown as { bench: unknown }).bench = { run, replicaRun };
