import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { armGroups } from '../../../src/cli/commands/pipeline.ts';
import { runMain } from '../run_main.ts';

const tiny = JSON.parse(readFileSync(new URL('../../../models/presets/tiny.json', import.meta.url), 'utf8'));

describe('ttpa pipeline (loop presets)', () => {
  it('deals arms to processes in turn, so the counts differ by one at most', () => {
    expect(armGroups(['ttpa', 'control'], 2)).toEqual([['ttpa'], ['control']]);
    expect(armGroups(['ttpa', 'control', 'sft-continued', 'sequence'], 2)).toEqual([['ttpa', 'sft-continued'], ['control', 'sequence']]);
    expect(armGroups(['ttpa', 'control', 'rft', 'sft-continued', 'sequence'], 2)).toEqual([['ttpa', 'rft', 'sequence'], ['control', 'sft-continued']]);
    expect(armGroups(['ttpa', 'control'], 4)).toEqual([['ttpa'], ['control']]);
    expect(armGroups(['ttpa', 'rft', 'sequence'], 1)).toEqual([['ttpa', 'rft', 'sequence']]);
  });

  it('refuses unknown arms and a bad --jobs, naming them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ttpa-loop-'));
    expect((await runMain(['pipeline', '--preset', 'tiny', '--out', dir, '--arms', 'ttpa,ppo'])).err).toContain("--arms: unknown arm 'ppo'");
    expect((await runMain(['pipeline', '--preset', 'tiny', '--out', dir, '--jobs', '0'])).err).toContain('--jobs must be an integer >= 1, got 0');
    expect((await runMain(['pipeline', '--preset', 'tiny', '--out', dir, '--checkpoint-every', '-1'])).err).toContain('--checkpoint-every must be an integer >= 0, got -1');
    expect((await runMain(['pipeline', '--preset', 'tiny', '--out', dir, '--arms', 'ttpa'])).err).toContain('--arms needs a preset with a loop');
  });

  it('--jobs 2 runs the arms in two processes and gives the same report as one process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ttpa-loop-'));
    const preset = join(dir, 'loop.json');
    writeFileSync(preset, JSON.stringify({ ...tiny, name: 'tiny-loop', loop: { rounds: 1, promptsPerRound: 2, valLimit: 2, arms: ['ttpa', 'sft-continued'] } }));
    const one = await runMain(['pipeline', '--preset', preset, '--out', join(dir, 'one'), '--start-model', 'none']);
    const two = await runMain(['pipeline', '--preset', preset, '--out', join(dir, 'two'), '--start-model', 'none', '--jobs', '2']);
    expect(one.code, one.err).toBe(0);
    expect(two.code, two.err).toBe(0);
    const report = (d: string) => {
      const r = JSON.parse(readFileSync(join(dir, d, 'report.json'), 'utf8'));
      return { start: r.start, arms: Object.fromEntries(Object.entries(r.arms).map(([a, x]) => [a, { ...(x as object), rounds: undefined }])), ttpaVs: r.ttpaVs };
    };
    expect(report('two')).toEqual(report('one'));
    // no round leaves its checkpoints behind (saving and resuming them: tests/core/pipeline/loop.test.ts)
    for (const arm of ['ttpa', 'sft-continued']) expect(existsSync(join(dir, 'two', 'loop', arm, 'round-1.checkpoints'))).toBe(false);
    for (const f of ['ttpa/model.safetensors', 'sft-continued/model.safetensors']) expect(readFileSync(join(dir, 'two', f))).toEqual(readFileSync(join(dir, 'one', f)));
    // --arms with --jobs 2 deals those arms to two processes too (their lines come prefixed) and reports them.
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    const three = await runMain(['pipeline', '--preset', preset, '--out', join(dir, 'three'), '--start-model', 'none', '--jobs', '2', '--arms', 'ttpa,sft-continued']).finally(() => spy.mockRestore());
    expect(three.code, three.err).toBe(0);
    for (const arm of ['ttpa', 'sft-continued']) expect(written.some((l) => l.startsWith(`(${arm}) `))).toBe(true);
    expect(report('three')).toEqual(report('one'));
    for (const f of ['ttpa/model.safetensors', 'sft-continued/model.safetensors']) expect(readFileSync(join(dir, 'three', f))).toEqual(readFileSync(join(dir, 'one', f)));
  }, 300_000);

  it('--replicas 2 trains the SFT and DPO stages over two worker threads with the losses of one replica (1e-4)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ttpa-replicas-'));
    const common = ['pipeline', '--preset', 'tiny', '--start-model', 'none', '--until', 'dpo', '--backend', 'wasm'];
    const one = await runMain([...common, '--out', join(dir, 'one')]);
    const two = await runMain([...common, '--out', join(dir, 'two'), '--replicas', '2']);
    expect(one.code, one.err).toBe(0);
    expect(two.code, two.err).toBe(0);
    expect(two.lines[0]).toBe('backend: wasm (1 thread); training stages over 2 data-parallel replicas (2 worker threads, 1 wasm thread each); start model: (none: the pipeline trains its own SFT model)');
    const losses = (run: string, f: string): number[] => readFileSync(join(dir, run, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l).loss);
    for (const f of ['sft/metrics.jsonl', 'dpo/token/metrics.jsonl']) {
      const a = losses('one', f);
      expect(a.length, f).toBeGreaterThan(1);
      losses('two', f).forEach((x, i) => expect(Math.abs(x - a[i]), `${f} step ${i + 1}`).toBeLessThan(1e-4));
    }
  }, 300_000);
});
