import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../run_main.ts';

const M = resolve('models/default');
const dir = mkdtempSync(join(tmpdir(), 'ttpa-calibrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (...p: string[]): string => join(dir, ...p);

beforeAll(async () => {
  expect((await runMain(['data', '--n', '300', '--seed', '5', '--out', at('d')])).code).toBe(0);
}, 60_000);

describe('ttpa calibrate', () => {
  it('chooses a bias on validation, reports test at 0 and at it, and agrees with ttpa eval --call-bias', async () => {
    const out = at('cal');
    const common = ['--model', M, '--limit', '24', '--max-new-tokens', '48'];
    const r = await runMain(['calibrate', ...common, '--val', at('d', 'val.jsonl'), '--test', at('d', 'test.jsonl'), '--span', '3', '--step', '0.5', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const cal = JSON.parse(readFileSync(join(out, 'calibration.json'), 'utf8'));
    expect(cal.val.points.map((p: { bias: number }) => p.bias)).toEqual([-3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3]);
    expect(cal.val.chosen.errorRate).toBeLessThanOrEqual(cal.val.greedy.errorRate);
    expect(readFileSync(join(out, 'calibration.md'), 'utf8')).toContain('(chosen)');
    const greedy = JSON.parse(readFileSync(join(out, 'test_greedy.json'), 'utf8'));
    const calibrated = JSON.parse(readFileSync(join(out, 'test_calibrated.json'), 'utf8'));
    expect(1 - calibrated.overall.exactMatch).toBeCloseTo(cal.test.calibrated.errorRate, 12);
    // The same evaluation as ttpa eval at the bias, and at bias 0 as plain ttpa eval.
    for (const [name, bias, report] of [['greedy', 0, greedy], ['calibrated', cal.val.chosen.bias, calibrated]] as const) {
      const e = await runMain(['eval', ...common, '--data', at('d', 'test.jsonl'), '--call-bias', String(bias), '--out', at(`${name}.json`)]);
      expect(e.code, e.err).toBe(0);
      const direct = JSON.parse(readFileSync(at(`${name}.json`), 'utf8'));
      expect(direct.turns.map((t: { text: string }) => t.text)).toEqual(report.turns.map((t: { text: string }) => t.text));
    }
    // Every validation point is the error ttpa eval gives at that bias (two far ones checked).
    for (const bias of [-3, 3]) {
      const e = await runMain(['eval', ...common, '--data', at('d', 'val.jsonl'), '--call-bias', String(bias), '--out', at(`val${bias}.json`)]);
      expect(e.code, e.err).toBe(0);
      const direct = JSON.parse(readFileSync(at(`val${bias}.json`), 'utf8'));
      expect(1 - direct.overall.exactMatch).toBeCloseTo(cal.val.points.find((p: { bias: number }) => p.bias === bias).errorRate, 12);
    }
    expect(new Set(cal.val.points.map((p: { calls: number }) => p.calls)).size).toBeGreaterThan(1); // the biases moved decisions
    // Outputs are not replaced without --overwrite, and nothing is decoded first.
    const again = await runMain(['calibrate', ...common, '--val', at('d', 'val.jsonl'), '--out', out]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already exist; give --overwrite/);
    expect(again.out).not.toMatch(/calibrate: /);
  }, 180_000);

  it('names bad input', async () => {
    const bad = await runMain(['calibrate', '--model', M, '--val', at('d', 'missing.jsonl'), '--out', at('x')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${at('d', 'missing.jsonl')} does not exist`);
    const step = await runMain(['calibrate', '--model', M, '--val', at('d', 'val.jsonl'), '--step', '0', '--out', at('y')]);
    expect(step.code).toBe(2);
    expect(step.err).toContain('--span must be >= 0 and --step > 0, got 4 and 0');
    expect(existsSync(at('y'))).toBe(false);
  });
});
