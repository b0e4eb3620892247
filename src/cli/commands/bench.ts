// `ttpa bench` (`npm run bench`): the speed/scale/memory benchmark as one JSON document on stdout, also
// written to bench/results/<date>.json. Node runs core's runBench on wasm or cpu; --browser drives
// headless Chromium (bench_browser.ts). Argument parsing and file I/O only; the measuring is src/core/bench/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { benchConfig } from '../../core/bench/config.ts';
import { runBench, type BenchReport } from '../../core/bench/report.ts';
import { initBackend, type BackendName } from '../../core/runtime/backend.ts';
import { tf } from '../../core/runtime/tf.ts';
import { bool, optStr, str, UsageError, type Command, type ParsedArgs } from '../args.ts';
import { runBrowserBench } from './bench_browser.ts';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark speed, scale and memory against the backend\'s own matmul ceiling (JSON)',
  options: [
    { name: 'quick', type: 'boolean', help: 'small sizes on tiny models: a smoke run, figures not comparable' },
    { name: 'backend', type: 'string', help: 'tfjs backend (Node: wasm or cpu, default wasm; --browser: only this one, default all three)', choices: ['webgpu', 'wasm', 'cpu'] },
    { name: 'browser', type: 'boolean', help: 'run in headless Chromium on webgpu, wasm and cpu instead of Node' },
    { name: 'out', type: 'string', help: 'write the JSON here (default bench/results/<date>.json)' },
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

async function run(args: ParsedArgs): Promise<number> {
  const cfg = benchConfig(bool(args, 'quick'));
  const progress = (name: string): void => { process.stderr.write(`bench: ${name}\n`); };
  let doc: BenchReport | { bench: 'ttpa-lab'; browser: true; runs: BenchReport[] };
  if (bool(args, 'browser')) {
    const backends = optStr(args, 'backend') ? [str(args, 'backend')] : ['webgpu', 'wasm', 'cpu'];
    doc = { bench: 'ttpa-lab', browser: true, runs: await runBrowserBench(cfg, backends, nodeEnvironment(), progress) };
  } else {
    const name = (optStr(args, 'backend') ?? 'wasm') as BackendName;
    if (name === 'webgpu') throw new UsageError('--backend webgpu needs --browser (Node has no WebGPU)');
    const backend = await initBackend({ order: [name] });
    const environment = { ...nodeEnvironment(), wasmThreads: backend.backend === 'wasm' ? tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') : undefined };
    doc = await runBench(cfg, { environment, onSection: progress });
    const end = loadavg()[0];
    doc.environment.loadAvg1mAtEnd = Number(end.toFixed(2));
  }
  const out = optStr(args, 'out') ?? join('bench', 'results', `${fileStamp(new Date())}${bool(args, 'browser') ? '-browser' : ''}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const text = JSON.stringify(doc, null, 2) + '\n';
  writeFileSync(out, text);
  process.stdout.write(text);
  process.stderr.write(`bench: wrote ${out}\n`);
  return 0;
}

/** 2026-11-24T18-55-03Z: sortable, one file per run. */
function fileStamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}
