// What the bench worker does: start one backend, run core's benchmark on it, label the figures with the
// browser and the GPU adapter. A WebGPU adapter that is a software emulator (SwiftShader) gets the quick
// sizes: its figures only show the kernels run, and full sizes would take hours.
import { benchConfig, type BenchConfig } from '../../src/core/bench/config.ts';
import { runBench, type BenchReport } from '../../src/core/bench/report.ts';
import { sftThreadRun, type ThreadRun } from '../../src/core/bench/threads_bench.ts';
import { sftReplicaRun, type ReplicaRun } from '../../src/core/bench/replicas_bench.ts';
import { startWebReplicas } from '../../workers/replica_pool.ts';
import { initBackend, type BackendName } from '../../src/core/runtime/backend.ts';

export interface BenchApi {
  /** `onSection` is called (over comlink, wrapped in Comlink.proxy) as each section starts. */
  run(backend: BackendName, config: BenchConfig, threads?: number, onSection?: (name: string) => void): Promise<BenchReport>;
  /** The threads section's SFT steps on wasm at `threads` threads (call on a fresh worker). */
  sftAtThreads(threads: number, config: BenchConfig): Promise<ThreadRun>;
  /** The replicas section's SFT steps: this worker and `replicas - 1` replica Web Workers, one wasm thread each (call on a fresh worker). */
  sftAtReplicas(replicas: number, config: BenchConfig): Promise<ReplicaRun>;
}

/** SwiftShader (Chromium's CPU Vulkan) or another software adapter. */
export function isSoftwareAdapter(info: string | undefined): boolean {
  return /swiftshader|llvmpipe|lavapipe|software|cpu/i.test(info ?? '');
}

export function createBenchApi(wasmPaths: Record<string, string>): BenchApi {
  return {
    async run(backend, config, threads, onSection) {
      const report = await initBackend({ order: [backend], wasmPaths, threads });
      if (report.backend !== backend) throw new Error(`bench: asked for ${backend}, got ${report.backend}`);
      const emulated = backend === 'webgpu' && isSoftwareAdapter(report.adapterInfo);
      const sized = emulated && !config.quick ? benchConfig(true) : config;
      // Full-size scale here runs SmolLM2-135M only (its LoRA DPO step at 256 tokens fits the heap with layers
      // recomputed, bench/README.md). Qwen2.5-0.5B's load would follow it in the same wasm heap, which never
      // shrinks, and an abort would end this worker and the whole browser run: Node runs it in a child process.
      const cfg = sized.quick ? sized : { ...sized, scaleModels: sized.scaleModels.filter((m) => m.config === 'SmolLM2-135M') };
      return runBench(cfg, {
        onSection: (name) => void onSection?.(name),
        environment: {
          runtime: navigator.userAgent, cpus: navigator.hardwareConcurrency, adapterInfo: report.adapterInfo,
          crossOriginIsolated: globalThis.crossOriginIsolated, threads: report.threads, threadsNote: report.threadsNote,
          replicas: 1, // every section but `replicas` (bench_page.ts) trains in this worker alone
          gpu: backend === 'webgpu' ? (emulated ? 'software emulator: figures show correctness only' : 'hardware GPU') : undefined,
          sizesForcedQuick: sized !== config ? true : undefined,
          scaleSkipped: cfg.scaleModels.length < sized.scaleModels.length ? 'Qwen2.5-0.5B\'s full-size scale runs in Node only (bench/README.md)' : undefined,
        },
      });
    },
    async sftAtThreads(threads, config) {
      const report = await initBackend({ order: ['wasm'], wasmPaths, threads });
      return sftThreadRun(config, report, threads);
    },
    async sftAtReplicas(replicas, config) {
      const report = await initBackend({ order: ['wasm'], wasmPaths, threads: 1 });
      const start = (spec: Parameters<typeof startWebReplicas>[0]) => startWebReplicas(spec, { workers: replicas - 1, backend: 'wasm' });
      return sftReplicaRun(config, replicas, `wasm (${report.threads} thread${report.threads === 1 ? '' : 's'})`, start);
    },
  };
}
