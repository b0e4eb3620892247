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
    expect(printed.environment).toMatchObject({ cpus: expect.any(Number), threads: expect.any(Number), replicas: 1 });
    expect(printed.environment.runtime).toMatch(/^node v/);
    expect(printed.targets).toHaveLength(11);
    // The tiny loop's pipeline from scratch with --jobs 1 and 2: the same results (the ratio is a timing, unchecked).
    expect(printed.pipeline.runs.map((r: { jobs: number; threads: number }) => [r.jobs, r.threads])).toEqual([[1, 1], [2, 1]]);
    expect(printed.pipeline.arms).toEqual(['ttpa', 'sft-continued']);
    expect(printed.pipeline.reportDifferences).toEqual([]);
    expect(printed.targets.find((t: { name: string }) => t.name === 'pipeline_wall_jobs_2_over_1').value).toBe(printed.pipeline.wallRatio);
    expect(printed.threads.runs.map((r: { threads: number }) => r.threads)).toEqual([1, 2]);
    expect(printed.threads.lossMaxDiff).toBeLessThan(1e-4);
    // 1 and 2 data-parallel replicas, each run in a fresh child: the same losses (the speedup is a timing, unchecked).
    expect(printed.replicas.runs.map((r: { replicas: number; runtime: string }) => [r.replicas, r.runtime])).toEqual([
      [1, 'wasm (1 thread)'], [2, 'wasm (1 thread); 1 worker thread, wasm 1 thread each'],
    ]);
    expect(printed.replicas.lossMaxDiff).toBeLessThan(1e-4);
    expect(printed.targets.find((t: { name: string }) => t.name === 'sft_replicas_loss_max_diff').met).toBe(true);
    expect(printed.targets.find((t: { name: string }) => t.name === 'sft_tokens_per_sec_2_replicas_over_1').value).toBe(printed.replicas.speedup);
    expect(printed.scale[0]).toMatchObject({ refused: [], loadMs: expect.any(Number), forward: { tokensPerSec: expect.any(Number) }, loraDpo: { stepMs: expect.any(Number) } });
  }, 300_000); // 80-97 s in CI on this 2-core machine; the suite's 120 s ran out once beside two training jobs

  it('--backend webgpu needs --browser', async () => {
    const r = await capture(['bench', '--quick', '--backend', 'webgpu', '--out', join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--backend webgpu needs --browser');
  });
});

describe('ttpa bench --gpu', () => {
  it('runs on WebGPU in Node (Dawn) and labels a software adapter; MFU is against its own matmul ceiling', async () => {
    const { spawnSync } = await import('node:child_process');
    const file = join(dir, 'gpu.json');
    const r = spawnSync(process.execPath, ['bin/ttpa.mjs', 'bench', '--gpu', '--quick', '--out', file], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc).toMatchObject({ backend: 'webgpu', errors: {} });
    // Dawn prints WebGPU validation errors (a shader over the device's limits) and carries on with wrong values.
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/validation|Invalid ComputePipeline/i);
    expect(doc.environment.adapterInfo).toEqual(expect.any(String));
    expect(doc.environment.deviceLimits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    // The scale section runs on the GPU too (quick: a shrunk SmolLM2 shape): decoding and a LoRA DPO step.
    expect(doc.scale[0]).toMatchObject({ refused: [], forward: { tokensPerSec: expect.any(Number) }, loraDpo: { stepMs: expect.any(Number) } });
    if (/llvmpipe|lavapipe|swiftshader/i.test(doc.environment.adapterInfo)) expect(doc.environment.gpu).toMatch(/^software adapter/);
    expect(doc.sft[0].tokensPerSec).toBeGreaterThan(0);
    expect(doc.sft[0].mfu).toBeCloseTo((6 * doc.sft[0].params * doc.sft[0].tokensPerSec) / (doc.sft[0].ceilingGflops * 1e9), 2);
  });
});
