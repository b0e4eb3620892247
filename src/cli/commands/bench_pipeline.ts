// The Node side of the bench's pipeline section: the loop preset (the built-in one, the tiny preset plus
// the bench config's loop, or --pipeline-preset) run by `ttpa pipeline` child processes, each from
// scratch in its own run folder, timed from spawn to exit. Spawning and reading only; core compares.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PipelineBenchLoop, RunPipelineAt } from '../../core/bench/pipeline_bench.ts';
import type { LoopReport } from '../../core/pipeline/loop_report.ts';
import { exitDescription, runTtpa } from '../ttpa_child.ts';

const REPO = resolve(import.meta.dirname, '../../..');

/** Writes the built-in bench preset (models/presets/tiny.json with `loop`) into `dir`; returns its path. */
export function writeBenchLoopPreset(loop: PipelineBenchLoop, dir: string): string {
  const tiny = JSON.parse(readFileSync(join(REPO, 'models/presets/tiny.json'), 'utf8')) as Record<string, unknown>;
  const path = join(dir, 'bench-loop.json');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, JSON.stringify({ ...tiny, $comment: 'ttpa bench: the tiny preset as a loop, run with --jobs 1 and 2', name: 'bench-loop', loop }, null, 2));
  return path;
}

/** `ttpa pipeline --preset <preset> --out <root>/jobs-<n> --jobs <n>` in a child process, timed. */
export function runPipelineInChild(preset: string, root: string): RunPipelineAt {
  return async (jobs) => {
    const out = join(root, `jobs-${jobs}`);
    const r = await runTtpa(['pipeline', '--preset', preset, '--out', out, '--jobs', String(jobs)]);
    if (r.code !== 0) throw new Error(`ttpa pipeline --jobs ${jobs} ${exitDescription(r)}: ${r.stderr.trim().split('\n').slice(-2).join('; ')}`);
    const threads = Number(/^backend: \w+ \((\d+) threads?/m.exec(r.stdout)?.[1] ?? NaN);
    let report: LoopReport;
    try {
      report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as LoopReport;
    } catch (err) {
      throw new Error(`ttpa pipeline --jobs ${jobs}: no readable report.json in ${out} (${(err as Error).message})`);
    }
    return { jobs, threads, wallSec: r.wallSec, report };
  };
}
