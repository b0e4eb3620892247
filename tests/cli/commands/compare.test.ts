import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  it('adds the headroom rows where ttpa eval --pass-at-k left a record beside a report, and the turns only one model\'s samples reach', async () => {
    // four turns; greedy: base right on 1, dpo right on 1-3. Samples: base reaches 1, 2; dpo reaches 1, 3, 4.
    const turns = (right: number[]): TurnRecord[] => [1, 2, 3, 4].map((t) => ({ ...turn(right.includes(t), right.includes(t) ? 1 : 0.5), turn: t }));
    const record = (exact: number[], extra: Record<string, unknown> = {}): string => JSON.stringify({
      k: 4, temperature: 0.7, turns: 4, passAtK: exact.filter((e) => e > 0).length / 4, passAt1: 0.25, skipped: 0, sampleIds: ['s'],
      perTurn: exact.map((e, i) => ({ sampleId: 's', turn: i + 1, exact: e })), seed: 0, ...extra,
    });
    const d = join(dir, 'pk');
    mkdirSync(d);
    const [a, b] = [join(d, 'base.json'), join(d, 'dpo.json')];
    writeFileSync(a, JSON.stringify(buildReport(1, turns([1]))));
    writeFileSync(b, JSON.stringify(buildReport(1, turns([1, 2, 3]))));
    writeFileSync(join(d, 'base.pass_at_k.json'), record([2, 1, 0, 0]));
    writeFileSync(join(d, 'dpo.pass_at_k.json'), record([3, 0, 1, 2]));
    const out = join(d, 'cmp.json');
    const r = await runMain(['compare', a, b, '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('## What each model\'s own samples can still reach (pass@4, T=0.7)');
    // base: greedy wrong on 2, 3, 4, of which 2 has an exact sample; dpo: wrong on 4, which has two
    expect(r.out).toContain('| base | 25.0% | 25.0% | 50.0% | 1 of 3 (33.3%) |');
    expect(r.out).toContain('| dpo | 75.0% | 25.0% | 75.0% | 1 of 1 (100.0%) |');
    // dpo's samples reach 3 and 4, not 2: 2 / 1, p = 2 · P(X <= 1), X ~ Bin(3, 1/2) = 1
    expect(r.out).toContain('- dpo against base: its samples reach 2 turns base\'s did not and miss 1 they reached (p = 1.000, exact McNemar).');
    expect(r.out).not.toContain('different seeds');
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.headroom).toEqual({
      k: 4, temperature: 0.7,
      rows: { base: { turns: 4, passAtK: 0.5, passAt1: 0.25, greedy: 0.25, greedyWrong: 3, reachable: 1 }, dpo: { turns: 4, passAtK: 0.75, passAt1: 0.25, greedy: 0.75, greedyWrong: 1, reachable: 1 } },
      paired: [{ name: 'dpo', vs: 'base', gained: 2, lost: 1, p: 1 }],
    });

    // another seed is named; a report without a record is left out of the section, not refused
    writeFileSync(join(d, 'dpo.pass_at_k.json'), record([3, 0, 1, 2], { seed: 7 }));
    const c = join(d, 'plain.json');
    writeFileSync(c, JSON.stringify(buildReport(1, turns([]))));
    const seeds = await runMain(['compare', a, b, c]);
    expect(seeds.code, seeds.err).toBe(0);
    expect(seeds.out).toContain('- Sampled with different seeds (0, 7): not the same random stream a turn');
    expect(seeds.out.slice(seeds.out.indexOf('## What each model')).includes('| plain |')).toBe(false);

    // records that cannot be read side by side, or at all, are refused by file and field
    const refused = async (content: string, message: string): Promise<void> => {
      writeFileSync(join(d, 'dpo.pass_at_k.json'), content);
      const e = await runMain(['compare', a, b]);
      expect(e.code).toBe(1);
      expect(e.err).toContain(message);
    };
    await refused(record([3, 0, 1, 2], { k: 8 }), `${join(d, 'dpo.pass_at_k.json')}: pass@8 at T 0.7, but ${join(d, 'base.pass_at_k.json')} is pass@4 at T 0.7; measure every model with the same --pass-at-k and --temperature`);
    await refused(record([3, 0, 1, 2], { passAtK: 'high' }), `${join(d, 'dpo.pass_at_k.json')}: passAtK must be a number, got "high" (written by ttpa eval --pass-at-k)`);
    await refused(record([3, 0, 1, 2], { perTurn: [{ sampleId: 's', turn: 1 }] }), `${join(d, 'dpo.pass_at_k.json')}: perTurn[0] must be { sampleId: string, turn: integer, exact: integer }, got {"sampleId":"s","turn":1}`);
    await refused(record([3, 0, 1, 2, 1]), `${join(d, 'dpo.pass_at_k.json')}: sampled turns its report ${b} does not have; run ttpa eval --pass-at-k again with the report`);
  });
});
