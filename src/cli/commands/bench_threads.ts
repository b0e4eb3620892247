// The Node side of the bench's threads section: each thread count runs in a fresh `ttpa bench` child
// process (tfjs fixes the wasm thread count when the module starts, once per process), which prints
// one JSON line. Spawning and parsing only; what the child measures is core's sftThreadRun.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { RunAtThreads, ThreadRun } from '../../core/bench/threads_bench.ts';

export const THREADS_CHILD_FLAG = 'threads-child';
const BIN = resolve(import.meta.dirname, '../../../bin/ttpa.mjs');

export function runAtThreadsInChild(quick: boolean): RunAtThreads {
  return (threads) => new Promise<ThreadRun>((done, fail) => {
    const args = [BIN, 'bench', `--${THREADS_CHILD_FLAG}`, String(threads), ...(quick ? ['--quick'] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', fail);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        done(JSON.parse(line) as ThreadRun);
      } catch (e) {
        fail(new Error(`bench child at ${threads} thread(s) failed (${(e as Error).message}): ${err.trim().slice(-500) || line}`));
      }
    });
  });
}
