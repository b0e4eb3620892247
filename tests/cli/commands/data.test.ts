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

describe('ttpa data --exclude', () => {
  const callKeys = (file: string): Set<string> => new Set(rows(file).flatMap((r) => r.messages.flatMap((m) => m.tool_calls ?? []).map((c) => JSON.stringify(c.function))));
  it('drops generated samples that share a call with the held-out files, and says how many', async () => {
    expect((await runMain(['data', '--n', '300', '--seed', '3', '--mix', 'single=1', '--out', join(dir, 'held')])).code).toBe(0);
    const heldFiles = [join(dir, 'held', 'val.jsonl'), join(dir, 'held', 'test.jsonl')];
    const held = new Set([...callKeys(heldFiles[0]), ...callKeys(heldFiles[1])]);
    const args = ['data', '--n', '300', '--seed', '4', '--mix', 'single=1'];
    expect((await runMain([...args, '--out', join(dir, 'plain')])).code).toBe(0);
    const shared = (out: string): number => ['train', 'val', 'test'].flatMap((s) => [...callKeys(join(dir, out, `${s}.jsonl`))]).filter((k) => held.has(k)).length;
    expect(shared('plain')).toBeGreaterThan(0); // two seeds of single calls do share some: the case the flag exists for
    const res = await runMain([...args, '--exclude', heldFiles.join(','), '--out', join(dir, 'fresh')]);
    expect(res.code).toBe(0);
    expect(shared('fresh')).toBe(0);
    const stats = JSON.parse(readFileSync(join(dir, 'fresh', 'stats.json'), 'utf8'));
    expect(stats.excluded.dropped).toBeGreaterThan(0);
    expect(stats.samples + stats.excluded.dropped).toBe(300);
    expect(res.out).toContain(`dropped ${stats.excluded.dropped} of 300 generated samples`);
  });

  it('names a missing or malformed --exclude file and writes nothing', async () => {
    const res = await runMain(['data', '--n', '10', '--exclude', join(dir, 'nope.jsonl'), '--out', join(dir, 'ex-bad')]);
    expect(res.code).not.toBe(0);
    expect(res.err).toContain('nope.jsonl');
    expect(() => readFileSync(join(dir, 'ex-bad', 'train.jsonl'))).toThrow();
  });
});
