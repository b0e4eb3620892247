// `ttpa bench --quick`: one JSON document on stdout, the same one in --out, with the machine's conditions;
// a WebGPU request without --browser is a usage error. Figures are not checked (they are timings).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
  const progress = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const code = await main(argv);
    return { code, out: out.join(''), err: error.mock.calls.map((c) => c[0]).join('\n') };
  } finally {
    write.mockRestore();
    progress.mockRestore();
    error.mockRestore();
  }
}

describe('ttpa bench', () => {
  it('--quick prints the report and writes the same JSON to --out', async () => {
    const file = join(dir, 'quick.json');
    const r = await capture(['bench', '--quick', '--out', file]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.out);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(printed);
    expect(printed).toMatchObject({ bench: 'ttpa-lab', quick: true, backend: 'wasm', errors: {} });
    expect(printed.environment).toMatchObject({ cpus: expect.any(Number), wasmThreads: false });
    expect(printed.environment.runtime).toMatch(/^node v/);
    expect(printed.targets).toHaveLength(5);
  });

  it('--backend webgpu needs --browser', async () => {
    const r = await capture(['bench', '--quick', '--backend', 'webgpu', '--out', join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--backend webgpu needs --browser');
  });
});
