// The Node side of the bench's threads and scale sections: each thread count (and the scale section) runs in a fresh `ttpa bench` child
// process (tfjs fixes the wasm thread count when the module starts, once per process), which prints
// one JSON line. Spawning and parsing only; what the child measures is core's sftThreadRun.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { ScaleFigures } from '../../core/bench/scale_bench.ts';
import type { RunAtThreads, ThreadRun } from '../../core/bench/threads_bench.ts';

export const THREADS_CHILD_FLAG = 'threads-child';
export const SCALE_CHILD_FLAG = 'scale-child';
const BIN = resolve(import.meta.dirname, '../../../bin/ttpa.mjs');

export function runAtThreadsInChild(quick: boolean): RunAtThreads {
  return (threads) => runChild<ThreadRun>([`--${THREADS_CHILD_FLAG}`, String(threads), ...(quick ? ['--quick'] : [])], `at ${threads} thread(s)`);
}

/** The scale section in a child: tfjs-backend-wasm aborts the process when its heap allocation fails. */
export function runScaleInChild(quick: boolean, threads: number | undefined): () => Promise<ScaleFigures[]> {
  return () => runChild<ScaleFigures[]>([`--${SCALE_CHILD_FLAG}`, ...(quick ? ['--quick'] : []), ...(threads ? ['--threads', String(threads)] : [])], 'for the scale section');
}

function runChild<T>(flags: string[], what: string): Promise<T> {
  return new Promise<T>((done, fail) => {
    const args = [BIN, 'bench', ...flags];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(signal ? `killed by ${signal}` : `exit code ${code}`);
        done(JSON.parse(line) as T);
      } catch (e) {
        const why = err.split('\n').filter((l) => /Error|Aborted/.test(l)).slice(-2).join('; ') || err.trim().slice(-300) || line;
        fail(new Error(`bench child ${what} failed (${(e as Error).message}): ${why}`));
      }
    });
  });
}
