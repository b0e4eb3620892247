import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../run_main.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-score-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURE = 'tests/fixtures/scoring/cases.jsonl';

describe('ttpa score', () => {
  it('scores valid lines, reports malformed ones with file and line, writes atomically', async () => {
    const out = join(dir, 'scored.jsonl');
    const r = await runMain(['score', '--in', FIXTURE, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${FIXTURE}:3: "truth" must be`);
    expect(r.err).toContain(`${FIXTURE}:4: invalid JSON at column 1`);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(['perfect', 'missing-days', 'plain-text']);
    expect(lines[0]).toEqual({ id: 'perfect', esm: 1, parts: { name: 1, required: 1, key: 1, type: 1, value: 1 }, errors: [] });
    // required 1/2, key 1/2, type 1/2, value 1/2: (3 + 1.5 + 0.5 + 1 + 1) / 11 = 7/11
    expect(lines[1].esm).toBeCloseTo(7 / 11, 12);
    expect(lines[1].errors).toEqual([{ category: 'missing_required', message: "required parameter 'days' is missing", param: 'days', call: 0 }]);
    expect(lines[2]).toMatchObject({ esm: 0, errors: [{ category: 'no_call' }] });
    expect(JSON.parse(r.out.split('\n').at(-1)!)).toMatchObject({ scored: 3, malformed: 2 });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
  it('takes weight overrides from --config and names bad fields', async () => {
    const cfg = join(dir, 'cfg.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(cfg, JSON.stringify({ weights: { required: 0 } }));
    const out = join(dir, 'w.jsonl');
    await runMain(['score', '--in', FIXTURE, '--out', out, '--config', cfg]);
    const second = JSON.parse(readFileSync(out, 'utf8').split('\n')[1]);
    // (3 + 0.5 + 1 + 1) / 8
    expect(second.esm).toBeCloseTo(5.5 / 8, 12);
    writeFileSync(cfg, JSON.stringify({ weights: { nme: 1 } }));
    const bad = await runMain(['score', '--in', FIXTURE, '--out', out, '--config', cfg]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('scoring.weights.nme is not a known field');
  });
  it('usage errors exit 2', async () => {
    expect((await runMain(['score', '--in', FIXTURE])).code).toBe(2);
    expect((await runMain(['score', '--in', join(dir, 'nope.jsonl'), '--out', join(dir, 'o')])).err).toContain('cannot read');
  });
});
