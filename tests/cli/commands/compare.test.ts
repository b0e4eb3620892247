import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../run_main.ts';
import { buildReport, type TurnRecord } from '../../../src/core/scoring/evaluate.ts';
import { reportNames } from '../../../src/cli/commands/compare.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const turn = (exact: boolean, esm: number): TurnRecord => ({
  sampleId: 's', turn: 1, category: 'single', domains: ['weather'], expected: [], text: '', predicted: [], exact, esm,
  parts: { name: esm, required: esm, key: esm, type: esm, value: esm }, formatValid: true, noCallDue: false, errors: [],
});

describe('ttpa compare', () => {
  it('prints a Markdown table of the reports given as bare arguments and writes JSON with --out', async () => {
    const a = join(dir, 'base.json');
    const b = join(dir, 'dpo.json');
    writeFileSync(a, JSON.stringify(buildReport(1, [turn(false, 0.5), turn(true, 1)])));
    writeFileSync(b, JSON.stringify(buildReport(1, [turn(true, 1), turn(true, 1)])));
    const out = join(dir, 'cmp.json');
    const r = await runMain(['compare', a, b, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('| metric | base | dpo | Δ (last − first) |');
    expect(r.out).toContain('| exact match | 50.0% | 100.0% | +50.0 pt |');
    expect(r.out).toContain('| mean ESM [domain weather] | 0.750 | 1.000 | +0.250 |');
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.names).toEqual(['base', 'dpo']);
    expect(json.rows[0]).toEqual({ metric: 'exact match', values: [0.5, 1], delta: 0.5 });
  });
  it('gives each report its error rate with a bootstrap interval and the turns it fixed and broke against the first (exact McNemar)', async () => {
    const turns = (right: (i: number) => boolean): TurnRecord[] => Array.from({ length: 12 }, (_, i) => ({ ...turn(right(i), right(i) ? 1 : 0.5), turn: i + 1 }));
    const [a, b, c] = ['start', 'ttpa', 'other'].map((n) => join(dir, `${n}.json`));
    writeFileSync(a, JSON.stringify(buildReport(1, turns((i) => i < 4)))); // 4 of 12 right
    writeFileSync(b, JSON.stringify(buildReport(1, turns((i) => i !== 0)))); // fixes 8 (turns 5-12), breaks 1 (turn 1)
    writeFileSync(c, JSON.stringify(buildReport(1, turns(() => true).slice(0, 6)))); // other turns: no paired test
    const out = join(dir, 'sig.json');
    const r = await runMain(['compare', a, b, c, '--out', out]);
    expect(r.code).toBe(0);
    // p = 2 · P(X <= 1), X ~ Binomial(9, 1/2) = 2 · 10 / 512
    expect(r.out).toMatch(/\| ttpa \| 8\.3% \[0\.0%, 25\.0%\] \| 8 \/ 1, p = 0\.039 \|/);
    expect(r.out).toContain('| other | 0.0% [0.0%, 0.0%] | different turns: not paired |');
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.significance[0]).toMatchObject({ name: 'start', errorRate: 8 / 12 });
    expect(json.significance[1].vsFirst).toMatchObject({ fixed: 8, broken: 1 });
    expect(json.significance[1].vsFirst.p).toBeCloseTo(20 / 512, 12);
  });
  it('names columns by file, widened by parent folders only where two files share a name', () => {
    expect(reportNames(['/r/s1/ttpa/report.json', '/r/s1/sft-continued/report.json', '/r/start.json'])).toEqual(['ttpa/report', 'sft-continued/report', 'start']);
    expect(reportNames(['/a/x/report.json', '/b/x/report.json', '/c/y/report.json'])).toEqual(['a/x/report', 'b/x/report', 'y/report']);
    expect(reportNames(['/a/r.json', '/a/r.json'])).toEqual(['a/r', 'a/r']);
  });
  it('rejects files that are not reports, and a missing argument', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"x": 1}');
    const r = await runMain(['compare', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('not an evaluation report');
    expect((await runMain(['compare'])).code).toBe(2);
  });
});
