import { describe, expect, it } from 'vitest';
import { canonicalJson, configHash } from '../../../src/core/pipeline/hash.ts';
import { aggregateReports, goalCheck, type ArmResult, type PipelineReport } from '../../../src/core/pipeline/report.ts';
import { lineChartSvg, niceTicks } from '../../../src/core/pipeline/svg_chart.ts';

const armOf = (errorRate: number, meanEsm: number): ArmResult => ({ errorRate, exactMatch: 1 - errorRate, meanEsm, turns: 10, errorRates: {} });

describe('pipeline report pieces', () => {
  it('goal check: 30% relative error reduction, higher ESM, better than sequence DPO', () => {
    const g = goalCheck(armOf(0.5, 0.6), armOf(0.4, 0.65), armOf(0.35, 0.7));
    expect(g.relativeErrorReduction).toBeCloseTo(0.3, 10);
    expect(g.esmGain).toBeCloseTo(0.1, 10);
    expect(g.met).toBe(true);
    expect(goalCheck(armOf(0.5, 0.6), armOf(0.34, 0.65), armOf(0.35, 0.7)).met).toBe(false);
    expect(goalCheck(armOf(0.5, 0.6), armOf(0.4, 0.65), armOf(0.36, 0.7)).met).toBe(false);
    expect(goalCheck(armOf(0.5, 0.6), armOf(0.4, 0.65), armOf(0.3, 0.59)).met).toBe(false);
  });

  it('aggregate: a control column only when every seed ran the control', () => {
    const goal = goalCheck(armOf(0.5, 0.6), armOf(0.4, 0.65), armOf(0.35, 0.7));
    const rep = (seed: number, control?: ArmResult): PipelineReport => ({
      seed, arms: { sft: armOf(0.5, 0.6), sequence: armOf(0.4, 0.65), token: armOf(0.35, 0.7), ...(control ? { control } : {}) }, goal, wallMs: 60000,
    }) as PipelineReport;
    const both = aggregateReports('p', [rep(1, armOf(0.45, 0.62)), rep(2, armOf(0.41, 0.64))]);
    expect(both.report.mean.control?.errorRate).toBeCloseTo(0.43, 10);
    expect(both.markdown).toContain('| TTPA error | control error |');
    expect(both.markdown).toContain('| 1 | 50.0% | 40.0% | 35.0% | 45.0% | 0.600 |');
    const one = aggregateReports('p', [rep(1, armOf(0.45, 0.62)), rep(2)]);
    expect(one.report.mean.control).toBeUndefined();
    expect(one.markdown).not.toContain('control');
  });

  it('config hashes ignore key order and undefined fields, and see every value', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: undefined } })).toBe('{"a":{"d":[1,2]},"b":1}');
    expect(configHash({ a: 1, b: 2 })).toBe(configHash({ b: 2, a: 1 }));
    expect(configHash({ a: 1, b: 2 })).not.toBe(configHash({ a: 1, b: 3 }));
    expect(configHash({})).toMatch(/^[0-9a-f]{16}$/);
  });

  it('charts: nice ticks and a well-formed SVG', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.3, 0.7)).toEqual([0.3, 0.4, 0.5, 0.6, 0.7]);
    // A range below the values' float resolution (a DPO curve flat at ln 2 to the last bit) ended the process.
    expect(niceTicks(0.6931471805599453, 0.6931471805599455)).toEqual([0.69314718056]);
    const svg = lineChartSvg([{ name: 'a<b', points: [[1, 0.5], [2, NaN], [3, 0.2]] }], { title: 't', xLabel: 'x', yLabel: 'y' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a&lt;b');
    expect(svg).not.toContain('NaN');
  });
});
