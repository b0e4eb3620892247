// TTPA_THREADS: the default wasm thread count of a `ttpa` process (what a parent running several at once,
// such as this test runner's forks, hands its children), checked as a value and in real spawned processes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { coresForThreads, threadsFromEnv } from '../../src/cli/threads_env.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-threads-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `ttpa pipeline --preset tiny --until data` (starts the backend, writes the data) with `env` added. */
function pipelineData(env: Record<string, string>, out: string): { status: number | null; stdout: string; stderr: string } {
  const argv = [resolve('bin/ttpa.mjs'), 'pipeline', '--preset', 'tiny', '--out', join(dir, out), '--until', 'data'];
  return spawnSync(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

describe('TTPA_THREADS', () => {
  it('is read as a count, unset or empty means the cores, anything else is named', () => {
    expect(threadsFromEnv({})).toBeUndefined();
    expect(threadsFromEnv({ TTPA_THREADS: ' ' })).toBeUndefined();
    expect(threadsFromEnv({ TTPA_THREADS: '3' })).toBe(3);
    expect(() => threadsFromEnv({ TTPA_THREADS: 'two' })).toThrow("TTPA_THREADS must be an integer from 1 to 64, got 'two'");
    expect(() => threadsFromEnv({ TTPA_THREADS: '0' })).toThrow("got '0'");
    expect(coresForThreads({})).toBe(availableParallelism());
    expect(coresForThreads({ TTPA_THREADS: '1' })).toBe(1);
  });

  it('sets the threads of a spawned ttpa process (the suite sets 1 for every child it starts)', () => {
    expect(process.env.TTPA_THREADS).toBe('1'); // tests/setup_threads.ts
    const inherited = pipelineData({}, 'one');
    expect(inherited.status, inherited.stderr).toBe(0);
    expect(inherited.stdout).toMatch(/^backend: wasm \(1 thread\)/m);
    const two = pipelineData({ TTPA_THREADS: '2' }, 'two');
    expect(two.status, two.stderr).toBe(0);
    expect(two.stdout).toMatch(/^backend: wasm \(2 threads\)/m);
  }, 240_000);

  it('a bad value stops the command with the variable named', () => {
    const bad = pipelineData({ TTPA_THREADS: 'two' }, 'bad');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("ttpa pipeline: TTPA_THREADS must be an integer from 1 to 64, got 'two'");
  }, 120_000);
});
