import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../run_main.ts';
import { buildReport, type TurnRecord } from '../../../src/core/scoring/evaluate.ts';

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
  it('rejects files that are not reports, and a missing argument', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"x": 1}');
    const r = await runMain(['compare', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('not an evaluation report');
    expect((await runMain(['compare'])).code).toBe(2);
  });
});
