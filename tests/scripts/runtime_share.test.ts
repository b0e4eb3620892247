import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The probe behind bench/README.md's "What two wasm runtimes share": one kind of work for a fixed time in a
// single-threaded wasm runtime, one JSON line. Smoke runs of each kind: the rates follow from the op count and the
// kind's size, and a bad kind is refused with the usage before any backend starts.
const run = (...args: string[]) => spawnSync(process.execPath, ['scripts/runtime_share.mjs', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('scripts/runtime_share', () => {
  it.each([
    ['matmul16', 2 * 16 ** 3, 3 * 16 * 16 * 4],
    ['add1000', 1000, 3 * 1000 * 4],
    ['chain1000', 4 * 1000, 8 * 1000 * 4],
    ['js1000', 1000, 0],
  ])('%s: ops/s, GFLOP/s and GB/s of one JSON line', (kind, flopsPerOp, bytesPerOp) => {
    const r = run(kind, '0.2');
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const doc = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(doc.kind).toBe(kind);
    expect(doc.opsPerSec).toBeGreaterThan(10);
    // every figure is printed to 4 significant digits, so they agree to about 1e-3 relative
    const near = (printed: number, expected: number) => expect(Math.abs(printed - expected)).toBeLessThanOrEqual(2e-3 * expected);
    near(doc.gflops, (doc.opsPerSec * flopsPerOp) / 1e9);
    near(doc.gbPerSec, (doc.opsPerSec * bytesPerOp) / 1e9);
    expect(doc.cpuShare).toBeGreaterThan(0);
  }, 70_000);

  it('refuses an unknown kind with the usage', () => {
    const r = run('conv3', '1');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown kind or seconds: conv3 1');
    expect(r.stderr).toContain('usage: node scripts/runtime_share.mjs');
  });
});
