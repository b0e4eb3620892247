import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../run_main.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row { tools: { function: { name: string } }[]; messages: { tool_calls?: { function: { name: string } }[] }[] }
const rows = (file: string): Row[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
/** Offered tools that no call of the sample uses. */
const unused = (r: Row): number => {
  const called = new Set(r.messages.flatMap((m) => m.tool_calls ?? []).map((c) => c.function.name));
  return r.tools.filter((t) => !called.has(t.function.name)).length;
};

describe('ttpa data', () => {
  it('--distractors 0-0 offers only the tools a sample needs; the default adds 1 to 3', async () => {
    const base = ['data', '--n', '60', '--seed', '2', '--mix', 'single=1'];
    expect((await runMain([...base, '--distractors', '0-0', '--out', join(dir, 'short')])).code).toBe(0);
    expect((await runMain([...base, '--out', join(dir, 'default')])).code).toBe(0);
    // Samples without calls (irrelevance) always offer at least two tools to refuse from.
    const withCalls = (r: Row): boolean => r.messages.some((m) => m.tool_calls?.length);
    expect(new Set(rows(join(dir, 'short', 'train.jsonl')).filter(withCalls).map(unused))).toEqual(new Set([0]));
    const extra = rows(join(dir, 'default', 'train.jsonl')).filter(withCalls).map(unused);
    expect(Math.min(...extra)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...extra)).toBeLessThanOrEqual(3);
  });

  it('names a malformed --distractors range', async () => {
    const res = await runMain(['data', '--n', '10', '--distractors', '2', '--out', join(dir, 'bad')]);
    expect(res.code).not.toBe(0);
    expect(res.err).toContain("--distractors looks like 0-2 (min-max), got '2'");
    const res2 = await runMain(['data', '--n', '10', '--distractors', '3-1', '--out', join(dir, 'bad')]);
    expect(res2.err).toMatch(/distractors\.max/);
  });
});
