// The bench page: runs core's benchmark in a fresh module worker per backend (tfjs keeps one backend per
// thread) and hands the JSON report back to whoever drives the page (the CLI via Playwright).
import * as Comlink from 'comlink';
import type { BenchApi } from './bench_api.ts';

async function run(backend: string, config: unknown): Promise<unknown> {
  const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
  try {
    return await Comlink.wrap<BenchApi>(worker).run(backend as 'webgpu' | 'wasm' | 'cpu', config as never, Comlink.proxy((name: string) => console.log(`bench: ${backend}: ${name}`)));
  } finally {
    worker.terminate();
  }
}

(window as unknown as { bench: unknown }).bench = { run };
