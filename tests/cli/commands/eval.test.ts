// `ttpa eval --pass-at-k`: the greedy report as before, and beside it the model's pass@k on the same turns (the
// figures core's passAtK gives at that seed), each turn paired with the greedy reading, and the Markdown's section.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirSource } from '../../../src/cli/files.ts';
import { passAtK } from '../../../src/core/pipeline/pass_at_k.ts';
import { loadCheckpoint } from '../../../src/core/runtime/checkpoint.ts';
import { parseSamplesJsonl } from '../../../src/core/train/sft_data.ts';
import { runMain } from '../run_main.ts';

const M = resolve('models/default');
const dir = mkdtempSync(join(tmpdir(), 'ttpa-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (...p: string[]): string => join(dir, ...p);

beforeAll(async () => {
  expect((await runMain(['data', '--n', '300', '--seed', '5', '--out', at('d')])).code).toBe(0);
}, 60_000);

describe('ttpa eval --pass-at-k', () => {
  const common = ['--model', M, '--data', at('d', 'test.jsonl'), '--limit', '5', '--max-new-tokens', '48'];

  it('writes pass@k beside the report: core passAtK\'s figures at the seed, paired turn by turn with greedy', async () => {
    const r = await runMain(['eval', ...common, '--pass-at-k', '4', '--temperature', '0.9', '--seed', '3', '--out', at('e.json')]);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(readFileSync(at('e.json'), 'utf8'));
    const pk = JSON.parse(readFileSync(at('e.pass_at_k.json'), 'utf8'));
    const samples = parseSamplesJsonl(readFileSync(at('d', 'test.jsonl'), 'utf8'), 'test.jsonl').slice(0, 5);
    const { model, tokenizer } = await loadCheckpoint(dirSource(M));
    const { headroom, seed, ...measured } = pk;
    expect(seed).toBe(3);
    expect(measured).toEqual(await passAtK(model, tokenizer, samples, { k: 4, temperature: 0.9, maxNewTokens: 48, seed: 3 }));
    // the row by hand from the two files
    const exact = new Map(report.turns.map((t: { sampleId: string; turn: number; exact: boolean }) => [`${t.sampleId}#${t.turn}`, t.exact]));
    const wrong = measured.perTurn.filter((t: { sampleId: string; turn: number }) => !exact.get(`${t.sampleId}#${t.turn}`));
    expect(wrong.length).toBeGreaterThan(0); // else the pairing below proves little
    expect(headroom).toEqual({
      turns: measured.turns, passAtK: measured.passAtK, passAt1: measured.passAt1,
      greedy: (measured.turns - wrong.length) / measured.turns, greedyWrong: wrong.length, reachable: wrong.filter((t: { exact: number }) => t.exact > 0).length,
    });
    const md = readFileSync(at('e.md'), 'utf8');
    expect(md).toContain('## What each model\'s own samples can still reach (pass@4, T=0.9)');
    expect(md).toContain(`| default | ${(100 * headroom.greedy).toFixed(1)}% | ${(100 * headroom.passAt1).toFixed(1)}% | ${(100 * headroom.passAtK).toFixed(1)}% | ${headroom.reachable} of ${headroom.greedyWrong} `);
    expect(r.out).toMatch(new RegExp(`pass@4 \\(T=0\\.9\\) ${(100 * measured.passAtK).toFixed(1)}% over ${measured.turns} turns in [\\d.]+ s; ${headroom.reachable} of the ${headroom.greedyWrong} turns greedy gets wrong have an exact sample`));

    // the greedy report is the one plain ttpa eval writes, and without --pass-at-k nothing is written beside it
    const plain = await runMain(['eval', ...common, '--out', at('plain.json')]);
    expect(plain.code, plain.err).toBe(0);
    expect(JSON.parse(readFileSync(at('plain.json'), 'utf8')).turns).toEqual(report.turns);
    expect(existsSync(at('plain.pass_at_k.json'))).toBe(false);
    expect(readFileSync(at('plain.md'), 'utf8')).not.toContain('can still reach');

    // ttpa compare reads the records beside the reports: here the same model at two seeds (another random stream)
    const again = await runMain(['eval', ...common, '--pass-at-k', '4', '--temperature', '0.9', '--seed', '4', '--out', at('again.json')]);
    expect(again.code, again.err).toBe(0);
    const cmp = await runMain(['compare', at('e.json'), at('again.json'), at('plain.json')]);
    expect(cmp.code, cmp.err).toBe(0);
    expect(cmp.out).toContain(`| e | ${(100 * headroom.greedy).toFixed(1)}% | ${(100 * headroom.passAt1).toFixed(1)}% | ${(100 * headroom.passAtK).toFixed(1)}% |`);
    expect(cmp.out).toMatch(/\n- again against e: its samples reach \d+ turns? e's did not and miss \d+ they reached \(p [=<] [\d.]+, exact McNemar\)\./);
    expect(cmp.out).toContain('- Sampled with different seeds (3, 4)');
  }, 300_000);

  it('refuses a k or temperature it cannot sample with, by name', async () => {
    for (const k of ['1', '65', '-2']) {
      const r = await runMain(['eval', ...common, '--pass-at-k', k, '--out', at('bad.json')]);
      expect(r.code).not.toBe(0);
      expect(r.err).toContain(`--pass-at-k must be 0 (off) or from 2 to 64 (samples a turn), got ${k}`);
    }
    const t = await runMain(['eval', ...common, '--pass-at-k', '4', '--temperature', '0', '--out', at('bad.json')]);
    expect(t.err).toContain('--temperature must be > 0, got 0');
    expect(existsSync(at('bad.json'))).toBe(false);
  });
});
