// What the bench worker does: start one backend, run core's benchmark on it, label the figures with the
// browser and the GPU adapter. A WebGPU adapter that is a software emulator (SwiftShader) gets the quick
// sizes: its figures only show the kernels run, and full sizes would take hours.
import { benchConfig, type BenchConfig } from '../../src/core/bench/config.ts';
import { runBench, type BenchReport } from '../../src/core/bench/report.ts';
import { initBackend, type BackendName } from '../../src/core/runtime/backend.ts';

export interface BenchApi {
  /** `onSection` is called (over comlink, wrapped in Comlink.proxy) as each section starts. */
  run(backend: BackendName, config: BenchConfig, onSection?: (name: string) => void): Promise<BenchReport>;
}

/** SwiftShader (Chromium's CPU Vulkan) or another software adapter. */
export function isSoftwareAdapter(info: string | undefined): boolean {
  return /swiftshader|llvmpipe|software|cpu/i.test(info ?? '');
}

export function createBenchApi(wasmPaths: Record<string, string>): BenchApi {
  return {
    async run(backend, config, onSection) {
      const report = await initBackend({ order: [backend], wasmPaths });
      if (report.backend !== backend) throw new Error(`bench: asked for ${backend}, got ${report.backend}`);
      const emulated = backend === 'webgpu' && isSoftwareAdapter(report.adapterInfo);
      const cfg = emulated && !config.quick ? benchConfig(true) : config;
      return runBench(cfg, {
        onSection: (name) => void onSection?.(name),
        environment: {
          runtime: navigator.userAgent, cpus: navigator.hardwareConcurrency, adapterInfo: report.adapterInfo,
          gpu: backend === 'webgpu' ? (emulated ? 'software emulator: figures show correctness only' : 'hardware GPU') : undefined,
          sizesForcedQuick: cfg !== config ? true : undefined,
        },
      });
    },
  };
}
