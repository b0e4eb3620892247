// TTPA_THREADS: the default wasm thread count of a `ttpa` process (what a parent running several at once,
// such as this test runner's forks, hands its children), checked as a value and in real spawned processes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { coresForThreads, describeBackend, threadsFromEnv } from '../../src/cli/threads.ts';
import { runMain } from './run_main.ts';

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

  it('--threads of every command that trains or decodes is checked before anything is written; the backend line carries the count', async () => {
    const required: Record<string, string[]> = { sft: ['--data'], dpo: ['--model', '--pairs'], eval: ['--model', '--data'], pairs: ['--model', '--data'], pipeline: [] };
    for (const [cmd, flags] of Object.entries(required)) {
      const r = await runMain([cmd, ...flags.flatMap((f) => [f, join(dir, 'nothing')]), '--threads', '0', '--out', join(dir, `bad-${cmd}`)]);
      expect(r.code, cmd).toBe(2);
      expect(r.err).toContain(`ttpa ${cmd}: --threads must be an integer from 1 to 64, got 0`);
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('bad-'))).toEqual([]);
    expect(describeBackend({ backend: 'wasm', skipped: [], threads: 2 })).toBe('wasm (2 threads)');
    expect(describeBackend({ backend: 'wasm', skipped: [], threads: 1, threadsNote: 'page not cross-origin isolated' })).toBe('wasm (1 thread: page not cross-origin isolated)');
    expect(describeBackend({ backend: 'cpu', skipped: [], threads: 1 })).toBe('cpu');
  });

  it('a bad value stops the command with the variable named', () => {
    const bad = pipelineData({ TTPA_THREADS: 'two' }, 'bad');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("ttpa pipeline: TTPA_THREADS must be an integer from 1 to 64, got 'two'");
  }, 120_000);
});
