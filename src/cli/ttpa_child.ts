// One `ttpa <command>` in a child Node process (bin/ttpa.mjs) with its output collected: what `pipeline --jobs`,
// the bench's threads, scale and pipeline sections and scripts/val_sweep.ts spawn (tfjs fixes the wasm thread
// count once per process, and a wasm heap abort kills only the child). Settles with the exit status; rejects
// only when the process cannot start.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../../bin/ttpa.mjs');

export interface TtpaChildOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Each chunk of the child's output as it arrives (e.g. to relay it labelled). */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface TtpaChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit. */
  wallSec: number;
}

export function runTtpa(argv: string[], opts: TtpaChildOptions = {}): Promise<TtpaChildResult> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => { out.push(c); opts.onStdout?.(c); });
    child.stderr.on('data', (c: Buffer) => { err.push(c); opts.onStderr?.(c); });
    child.on('error', fail);
    child.on('close', (code, signal) => done({
      code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), wallSec: (performance.now() - t0) / 1000,
    }));
  });
}

/** "exited with code 1" / "killed by SIGKILL". */
export const exitDescription = (r: Pick<TtpaChildResult, 'code' | 'signal'>): string => (r.signal ? `killed by ${r.signal}` : `exited with code ${r.code}`);
