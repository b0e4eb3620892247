import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The probe behind bench/README.md's per-kernel figures, as a smoke run on whatever adapter Dawn finds here
// (the software one on CI): it must split a decode step into enqueue and wait, count its kernels, and the
// tfjs-webgpu flag variants it compares must generate the same greedy tokens.
describe('scripts/webgpu_probe', () => {
  it('times a decode step per flag variant, with the same tokens under every variant', () => {
    const r = spawnSync(process.execPath, ['scripts/webgpu_probe.mjs', '--quick'], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const doc = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(doc.backend).toBe('webgpu');
    expect(doc.readbackMsMedian).toBeGreaterThan(0);
    const variants = Object.values(doc.decodeStep) as { enqueueMsMedian: number; waitMsMedian: number; kernelsPerStep: number; tokens: number[] }[];
    expect(variants).toHaveLength(4);
    for (const v of variants) {
      expect(v.kernelsPerStep).toBeGreaterThan(10);
      expect(v.enqueueMsMedian).toBeGreaterThan(0);
      expect(v.tokens).toHaveLength(8);
      expect(v.tokens).toEqual(variants[0].tokens);
    }
  }, 320_000);
});
