// `ttpa bench` (`npm run bench`): the speed/scale/memory benchmark as one JSON document on stdout, also
// written to bench/results/<date>.json. Node runs core's runBench on wasm or cpu; --browser drives
// headless Chromium (bench_browser.ts). Argument parsing and file I/O only; the measuring is src/core/bench/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { benchConfig, type BenchConfig } from '../../core/bench/config.ts';
import { runBench, type BenchReport } from '../../core/bench/report.ts';
import { sftThreadRun } from '../../core/bench/threads_bench.ts';
import { initBackend, type BackendName } from '../../core/runtime/backend.ts';
import { validateThreads } from '../../core/runtime/wasm_threads.ts';
import { bool, optStr, str, UsageError, type Command, type ParsedArgs } from '../args.ts';
import { runBrowserBench, runBrowserReplicaRun } from './bench_browser.ts';
import { installNodeWebGpu, isSoftwareAdapter, webGpuDeviceLimits } from './bench_gpu.ts';
import { benchScale } from '../../core/bench/scale_bench.ts';
import { runPipelineInChild, writeBenchLoopPreset } from './bench_pipeline.ts';
import { REPLICAS_CHILD_FLAG, runAtReplicasInChild, runAtThreadsInChild, runScaleInChild, SCALE_CHILD_FLAG, THREADS_CHILD_FLAG } from './bench_threads.ts';
import { sftReplicaRun } from '../../core/bench/replicas_bench.ts';
import { startReplicaPool } from '../replica_pool.ts';
import { describeBackend } from '../threads.ts';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark speed, scale and memory against the backend\'s own matmul ceiling (JSON)',
  options: [
    { name: 'quick', type: 'boolean', help: 'small sizes on tiny models: a smoke run, figures not comparable' },
    { name: 'backend', type: 'string', help: 'tfjs backend (Node: wasm or cpu, default wasm; --browser: only this one, default all three)', choices: ['webgpu', 'wasm', 'cpu'] },
    { name: 'gpu', type: 'boolean', help: 'run in Node on WebGPU (Dawn, the npm webgpu package): a real GPU through Vulkan, else a software adapter (quick sizes)' },
    { name: 'browser', type: 'boolean', help: 'run in headless Chromium on webgpu, wasm and cpu instead of Node' },
    { name: 'out', type: 'string', help: 'write the JSON here (default bench/results/<date>.json)' },
    { name: 'threads', type: 'int', help: 'wasm threads for the run (default: the cores available); the threads section compares 1 and 2 in child processes' },
    { name: 'pipeline-preset', type: 'string', help: 'loop preset (name or file) whose pipeline the pipeline section runs with --jobs 1 and 2 (default: the tiny preset as a small loop)' },
    { name: 'no-pipeline', type: 'boolean', help: 'skip the pipeline section' },
    { name: 'no-scale', type: 'boolean', help: 'skip the scale section (real-size checkpoints)' },
    { name: SCALE_CHILD_FLAG, type: 'boolean', help: 'internal: run only the scale section and print it as JSON' },
    { name: THREADS_CHILD_FLAG, type: 'int', help: 'internal: run only the threads section\'s SFT steps at this thread count and print them as JSON' },
    { name: REPLICAS_CHILD_FLAG, type: 'int', help: 'run only the replicas section\'s SFT steps with this many data-parallel replicas (one wasm thread each; with --browser: in headless Chromium, Web Workers) and print them as JSON, to alternate counts' },
  ],
  run,
};

/** Machine facts recorded with every run, so figures are read with their conditions. */
export function nodeEnvironment(): Record<string, unknown> {
  const cpu = cpus();
  return {
    runtime: `node ${process.version}`, platform: `${process.platform}-${process.arch}`, cpus: cpu.length,
    cpuModel: cpu[0]?.model, loadAvg1m: Number(loadavg()[0].toFixed(2)),
  };
}

function threadsArg(args: ParsedArgs, name: string): number | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  try {
    return validateThreads(Number(v), `--${name}`);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The child side of the threads section: start wasm at `threads`, run the SFT steps, print one JSON line. */
async function runThreadsChild(cfg: BenchConfig, threads: number): Promise<number> {
  const backend = await initBackend({ order: ['wasm'], threads });
  process.stdout.write(JSON.stringify(await sftThreadRun(cfg, backend, threads)) + '\n');
  return 0;
}

/** The child side of the replicas section: wasm at one thread here and in each worker, the SFT steps, one JSON line. */
async function runReplicasChild(cfg: BenchConfig, replicas: number): Promise<number> {
  const backend = await initBackend({ order: ['wasm'], threads: 1 });
  const start = (spec: Parameters<typeof startReplicaPool>[0]) => startReplicaPool(spec, { workers: replicas - 1, backend: 'wasm', threads: 1 });
  process.stdout.write(JSON.stringify(await sftReplicaRun(cfg, replicas, describeBackend(backend), start, processCpuMs)) + '\n');
  return 0;
}

/** CPU time of this process, every thread (its worker threads included), ms. */
function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function run(args: ParsedArgs): Promise<number> {
  const noScale = bool(args, 'no-scale');
  const cfg = { ...benchConfig(bool(args, 'quick')), ...(noScale ? { scaleModels: [] } : {}) };
  const child = threadsArg(args, THREADS_CHILD_FLAG);
  if (child !== undefined) return runThreadsChild(cfg, child);
  const replicasChild = threadsArg(args, REPLICAS_CHILD_FLAG);
  if (replicasChild !== undefined && bool(args, 'browser')) {
    process.stdout.write(JSON.stringify(await runBrowserReplicaRun(cfg, replicasChild, (name) => process.stderr.write(`bench: ${name}\n`))) + '\n');
    return 0;
  }
  if (replicasChild !== undefined) return runReplicasChild(cfg, replicasChild);
  const threads = threadsArg(args, 'threads');
  if (bool(args, SCALE_CHILD_FLAG)) {
    if (bool(args, 'gpu')) await installNodeWebGpu();
    await initBackend({ order: [bool(args, 'gpu') ? 'webgpu' : 'wasm'], threads });
    process.stdout.write(JSON.stringify(await benchScale(cfg)) + '\n');
    return 0;
  }
  const progress = (name: string): void => { process.stderr.write(`bench: ${name}\n`); };
  let doc: BenchReport | { bench: 'ttpa-lab'; browser: true; runs: BenchReport[] };
  if (bool(args, 'browser')) {
    const backends = optStr(args, 'backend') ? [str(args, 'backend')] : ['webgpu', 'wasm', 'cpu'];
    doc = { bench: 'ttpa-lab', browser: true, runs: await runBrowserBench(cfg, backends, nodeEnvironment(), progress, threads) };
  } else if (bool(args, 'gpu')) {
    doc = await runGpuBench(cfg, progress);
  } else {
    const name = (optStr(args, 'backend') ?? 'wasm') as BackendName;
    if (name === 'webgpu') throw new UsageError('--backend webgpu needs --browser (Node has no WebGPU)');
    const backend = await initBackend({ order: [name], threads });
    // Every section but `replicas` trains in this one runtime (1 data-parallel replica).
    const environment = { ...nodeEnvironment(), threads: backend.threads, threadsNote: backend.threadsNote, replicas: 1 };
    const runAtThreads = name === 'wasm' ? runAtThreadsInChild(bool(args, 'quick')) : undefined;
    const runAtReplicas = name === 'wasm' ? runAtReplicasInChild(bool(args, 'quick')) : undefined;
    const runScale = name === 'wasm' && !noScale ? runScaleInChild(bool(args, 'quick'), threads) : undefined;
    const pipelineDir = mkdtempSync(join(tmpdir(), 'ttpa-bench-pipeline-'));
    try {
      const presetArg = optStr(args, 'pipeline-preset');
      const preset = presetArg ?? writeBenchLoopPreset(cfg.pipelineLoop, pipelineDir);
      const pipeline = name === 'wasm' && !bool(args, 'no-pipeline')
        ? { preset: presetArg ?? `built-in: tiny as a ${cfg.pipelineLoop.rounds}-round loop`, runAt: runPipelineInChild(preset, pipelineDir) }
        : undefined;
      doc = await runBench(cfg, { environment, onSection: progress, runAtThreads, runAtReplicas, runScale, pipeline });
    } finally {
      rmSync(pipelineDir, { recursive: true, force: true });
    }
    const end = loadavg()[0];
    doc.environment.loadAvg1mAtEnd = Number(end.toFixed(2));
  }
  const kind = bool(args, 'browser') ? '-browser' : bool(args, 'gpu') ? '-gpu' : '';
  const out = optStr(args, 'out') ?? join('bench', 'results', `${fileStamp(new Date())}${kind}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const text = JSON.stringify(doc, null, 2) + '\n';
  writeFileSync(out, text);
  process.stdout.write(text);
  process.stderr.write(`bench: wrote ${out}\n`);
  return 0;
}

/** WebGPU in Node; MFU is against this adapter's own matmul ceiling (the run's matmul section). */
async function runGpuBench(cfg: BenchConfig, progress: (name: string) => void): Promise<BenchReport> {
  const found = await installNodeWebGpu();
  const backend = await initBackend({ order: ['webgpu'] });
  const software = isSoftwareAdapter(backend.adapterInfo);
  const quick = benchConfig(true); // a software adapter runs quick sizes (and quick scale shapes, unless --no-scale)
  const sized = software && !cfg.quick ? { ...quick, scaleModels: cfg.scaleModels.length ? quick.scaleModels : [] } : cfg;
  // Threads and replicas compare wasm thread pools and are not run. Scale runs in this process, on the GPU:
  // there is no wasm heap whose abort would end it (the wasm run keeps it in a child for that).
  const environment = {
    ...nodeEnvironment(), adapterInfo: backend.adapterInfo, adapterFoundVia: found, deviceLimits: webGpuDeviceLimits(),
    gpu: software ? 'software adapter: figures show correctness only' : 'hardware GPU', sizesForcedQuick: sized !== cfg ? true : undefined,
  };
  const doc = await runBench(sized, { environment, onSection: progress });
  doc.environment.loadAvg1mAtEnd = Number(loadavg()[0].toFixed(2));
  return doc;
}

/** 2026-11-24T18-55-03Z: sortable, one file per run. */
function fileStamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}
