import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseArgs, type Command } from '../../../src/cli/args.ts';
import { convertCommand } from '../../../src/cli/commands/convert.ts';
import { dataCommand } from '../../../src/cli/commands/data.ts';
import { BFCL_DIR } from '../../bfcl_dir.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(cmd: Command, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const code = await cmd.run(parseArgs(argv, cmd.options));
    return { code, out: log.mock.calls.map((c) => c[0]).join('\n'), err: error.mock.calls.map((c) => c[0]).join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}
const rows = (p: string) => readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('ttpa convert', () => {
  it('converts the real BFCL parallel file to TRL rows', async () => {
    const out = join(dir, 'parallel.trl.jsonl');
    const r = await run(convertCommand, ['--from', 'bfcl', '--to', 'trl', '--in', `${BFCL_DIR}/BFCL_v4_parallel.json`, '--answers', `${BFCL_DIR}/possible_answer/BFCL_v4_parallel.json`, '--out', out]);
    expect(r.code).toBe(0);
    const got = rows(out);
    expect(got).toHaveLength(200);
    expect(Object.keys(got[0])).toEqual(['messages', 'tools']);
  });

  it('reports bad lines as file:line: reason, keeps good ones, renders text with a template file', async () => {
    const out = join(dir, 'x.txt.jsonl');
    const r = await run(convertCommand, ['--from', 'xlam', '--to', 'text', '--template', 'tests/fixtures/data/plain_template.jinja', '--in', 'tests/fixtures/data/xlam_mixed.jsonl', '--out', out]);
    expect(r.code).toBe(1); // some lines were rejected
    expect(r.err.split('\n')).toHaveLength(3);
    expect(r.err).toContain('tests/fixtures/data/xlam_mixed.jsonl:4: answers[0] calls \'nope\', which is not in tools');
    const got = rows(out);
    expect(got).toHaveLength(3);
    expect(got[0].text).toContain('user: Where can I find live giveaways');
    expect(got[0].text).toContain('CALL live_giveaways_by_type {"type": "beta"}');
  });

  it('leaves an existing output untouched when the input cannot be read, and leaves no temp files', async () => {
    const out = join(dir, 'keep.jsonl');
    writeFileSync(out, 'old\n');
    await expect(run(convertCommand, ['--from', 'native', '--in', join(dir, 'missing.jsonl'), '--out', out])).rejects.toThrow(/cannot read/);
    expect(readFileSync(out, 'utf8')).toBe('old\n');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('ttpa data', () => {
  it('writes train/val/test JSONL and stats, identical bytes for the same seed', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    expect((await run(dataCommand, ['--n', '300', '--seed', '2', '--out', a])).code).toBe(0);
    await run(dataCommand, ['--n', '300', '--seed', '2', '--out', b]);
    for (const f of ['train.jsonl', 'val.jsonl', 'test.jsonl']) expect(readFileSync(join(a, f), 'utf8')).toBe(readFileSync(join(b, f), 'utf8'));
    const stats = JSON.parse(readFileSync(join(a, 'stats.json'), 'utf8'));
    expect(stats.samples).toBe(300);
    expect(stats.split.counts.train + stats.split.counts.val + stats.split.counts.test).toBe(300);
    expect(stats.split.testSignaturesInTrain).toBe(0);
    expect(stats.distinctQuestionRatio).toBeGreaterThan(0.9);
    expect(Object.keys(stats.categories).sort()).toEqual(['irrelevance', 'multi_step', 'multi_turn', 'parallel', 'single']);
  });

  it('rejects a bad mix naming the field', async () => {
    await expect(run(dataCommand, ['--out', dir, '--mix', 'single=-1'])).rejects.toThrow('data.mix.single must be >= 0');
  });
});
