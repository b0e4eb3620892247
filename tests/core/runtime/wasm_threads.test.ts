// wasm threads in Node: tfjs' threaded build starts (node_wasm_threads.ts) and gives the same SFT losses
// as one thread. Each count runs in its own `ttpa bench` child process: the count is fixed per process.
import { describe, expect, it } from 'vitest';
import type { ThreadRun } from '../../../src/core/bench/threads_bench.ts';
import { validateThreads } from '../../../src/core/runtime/wasm_threads.ts';
import { runAtThreadsInChild } from '../../../src/cli/commands/bench_threads.ts';

describe('wasm threads in Node', () => {
  it('runs 2 threads with the same SFT losses as 1 (to 1e-4)', async () => {
    const runAt = runAtThreadsInChild(true);
    const one: ThreadRun = await runAt(1);
    const two: ThreadRun = await runAt(2);
    expect(one).toMatchObject({ threadsAsked: 1, threads: 1, backend: 'wasm' });
    expect(two).toMatchObject({ threadsAsked: 2, threads: 2, backend: 'wasm' });
    expect(two.threadsNote).toBeUndefined();
    expect(two.losses).toHaveLength(one.losses.length);
    two.losses.forEach((loss, i) => expect(Math.abs(loss - one.losses[i])).toBeLessThan(1e-4));
  });

  it('refuses a thread count that is not a positive integer, naming the field', () => {
    expect(() => validateThreads(0)).toThrow('threads must be an integer from 1 to 64, got 0');
    expect(() => validateThreads(1.5, '--threads')).toThrow('--threads must be an integer from 1 to 64, got 1.5');
    expect(validateThreads(3)).toBe(3);
  });
});
