// `ttpa dpo --pair-filter`: the run trains on exactly the pairs the filter keeps (the same losses as a file of those
// pairs alone), records the count, and refuses a bad value, a filter that keeps nothing or pairs without metadata
// before writing anything. On the shipped default model.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../run_main.ts';

const M = resolve('models/default');
const dir = mkdtempSync(join(tmpdir(), 'ttpa-dpo-filter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pair = (city: string, kind: string, rejectedSource: string) => ({
  prompt: [{ role: 'user', content: `Weather in ${city}?` }],
  chosen: [{ role: 'assistant', content: `It is cold in ${city}.` }],
  rejected: [{ role: 'assistant', content: 'Hot.' }],
  tools: [],
  ttpa: { kind, chosen_esm: 1, rejected_esm: 0, margin: 1, chosen_source: kind === 'branch' ? 'branch' : 'ground_truth', rejected_source: rejectedSource },
});
const PAIRS = [
  pair('Oslo', 'branch', 'branch'), // a branch over another branch: not an error fix
  pair('Lima', 'ground_truth', 'base'), // the truth over the policy's output
  pair('Rome', 'branch', 'branch'),
  pair('Quito', 'branch', 'base'), // a branch over the greedy output
];
const write = (name: string, rows: object[]): string => {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
};
const DPO = (pairs: string, out: string, ...more: string[]): string[] =>
  ['dpo', '--model', M, '--pairs', pairs, '--out', join(dir, out), '--steps', '2', '--batch-size', '2', '--seq-len', '64', '--warmup', '0', '--checkpoint-every', '0', ...more];
const losses = (out: string): number[] => readFileSync(join(dir, out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).loss);

describe('ttpa dpo --pair-filter', () => {
  it('error-fix trains on exactly the kept pairs and records how many it kept', async () => {
    const all = write('all.jsonl', PAIRS);
    const kept = write('kept.jsonl', [PAIRS[1], PAIRS[3]]);
    const filtered = await runMain(DPO(all, 'filtered', '--pair-filter', 'error-fix'));
    expect(filtered.code, filtered.err).toBe(0);
    expect(filtered.lines).toContain('pairs: 2 of 4 pairs kept by error-fix');
    expect(filtered.out).toContain('pairs: 2 used');
    // of the kept two, the truth is chosen over the policy once (Lima); both chosen sides are exact
    expect(JSON.parse(readFileSync(join(dir, 'filtered', 'run.json'), 'utf8')).pairs).toEqual({ filter: 'error-fix', kept: 2, of: 4, chosenTruth: 1, chosenExact: 2 });
    expect(JSON.parse(readFileSync(join(dir, 'filtered', 'dpo_config.json'), 'utf8')).pairFilter).toBe('error-fix');
    const alone = await runMain(DPO(kept, 'alone'));
    expect(alone.code, alone.err).toBe(0);
    expect(alone.lines).toContain('pairs: 2 pairs (pair filter: all)');
    expect(losses('filtered')).toHaveLength(2);
    expect(losses('filtered')).toEqual(losses('alone'));
    // The test can tell: all four pairs give other losses.
    expect((await runMain(DPO(all, 'unfiltered'))).code).toBe(0);
    expect(losses('unfiltered')).not.toEqual(losses('alone'));
  }, 120_000);

  it('refuses a bad value, a filter that keeps nothing and pairs without metadata, before writing anything', async () => {
    const all = write('all.jsonl', PAIRS);
    const flag = await runMain(DPO(all, 'bad-flag', '--pair-filter', 'errors'));
    expect(flag.code).toBe(2);
    expect(flag.err).toContain("--pair-filter must be one of all, correct-chosen, error-fix, base-rejected, one-per-turn, in-turn, got 'errors'");
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ pairFilter: 'errors' }));
    const fromFile = await runMain(DPO(all, 'bad-config', '--config', config));
    expect(fromFile.code).not.toBe(0);
    expect(fromFile.err).toContain('dpo.pairFilter must be one of all, correct-chosen, error-fix, base-rejected, one-per-turn, in-turn, got "errors"');
    // Every prompt ends with the user's message: no pair diverges inside a turn.
    const none = await runMain(DPO(all, 'none-kept', '--pair-filter', 'in-turn'));
    expect(none.code).not.toBe(0);
    expect(none.err).toContain(`dpo.pairFilter in-turn keeps none of the 4 pairs of ${all} (0 of 4 pairs kept by in-turn)`);
    const plain = write('plain.jsonl', PAIRS.map(({ ttpa: _, ...p }) => p));
    const bare = await runMain(DPO(plain, 'no-meta', '--pair-filter', 'error-fix'));
    expect(bare.code).not.toBe(0);
    expect(bare.err).toContain(`${plain} pair 1: no ttpa metadata`);
    for (const out of ['bad-flag', 'bad-config', 'none-kept', 'no-meta']) expect(existsSync(join(dir, out)), out).toBe(false);
  }, 60_000);
});
