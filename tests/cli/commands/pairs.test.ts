import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../../../src/cli/args.ts';
import { pairsCommand } from '../../../src/cli/commands/pairs.ts';
import { writeFiles } from '../../../src/cli/files.ts';
import { checkpointFiles } from '../../../src/core/runtime/checkpoint.ts';
import { validateTrlRecord } from '../../../src/core/preference/trl_export.ts';
import { SAMPLES, randomModel, testTokenizer, useWasm } from '../../core/preference/fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-pairs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (argv: string[]): Promise<number> => pairsCommand.run(parseArgs(argv, pairsCommand.options));

describe('ttpa pairs', () => {
  it('writes TRL preference JSONL and a stats JSON next to it, with progress on stderr', async () => {
    await useWasm();
    writeFiles(join(dir, 'model'), await checkpointFiles(randomModel(3), testTokenizer()));
    const data = join(dir, 'train.jsonl');
    writeFileSync(data, SAMPLES.map((s) => JSON.stringify(s)).join('\n') + '\n');
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const out = join(dir, 'pairs.jsonl');
    const code = await run(['--model', join(dir, 'model'), '--data', data, '--out', out, '--mode', 'token', '--limit', '2', '--max-new-tokens', '16', '--spans', 'any', '--backend', 'wasm']);
    const log = err.mock.calls.map((c) => String(c[0])).join('\n');
    err.mockRestore();
    expect(code).toBe(0);
    // Two samples: each has a tool-call turn and a plain-answer turn.
    expect(log).toMatch(/pairs: 4\/4 prompts/);
    const lines = readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(validateTrlRecord(l)).toEqual([]);
    const stats = JSON.parse(readFileSync(join(dir, 'pairs.stats.json'), 'utf8'));
    expect(stats.prompts).toBe(4);
    expect(stats.promptsByTurn).toEqual({ call: 2, text: 2 });
    expect(stats.pairs).toBe(lines.length);
    expect(stats.config.mode).toBe('token');
    await run(['--model', join(dir, 'model'), '--data', data, '--out', out, '--limit', '2', '--max-new-tokens', '16', '--no-text-turns', '--overwrite', '--backend', 'wasm']);
    expect(JSON.parse(readFileSync(join(dir, 'pairs.stats.json'), 'utf8')).promptsByTurn).toEqual({ call: 2, text: 0 });
  }, 60_000);

  it('names a bad setting', async () => {
    await expect(run(['--model', dir, '--data', join(dir, 'train.jsonl'), '--out', join(dir, 'x.jsonl'), '--top-k', '1'])).rejects.toThrow('preference.topK must be an integer >= 2, got 1');
  });
});
