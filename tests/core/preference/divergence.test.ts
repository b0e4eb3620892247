import { describe, expect, it } from 'vitest';
import { resolvePreferenceConfig, type SpanType } from '../../../src/core/preference/config.ts';
import { budgetDivergences, findDivergences, stepUncertainty, type TrajectoryToken } from '../../../src/core/preference/divergence.ts';

const tok = (id: number, probs: [number, number][], span: SpanType = 'value'): TrajectoryToken => ({
  id, text: 'x', charStart: 0, charEnd: 1, span,
  prob: probs.find(([i]) => i === id)?.[1] ?? 0,
  alternatives: probs.map(([i, prob]) => ({ id: i, prob })),
});

describe('divergence', () => {
  it('computes top-1, renormalised top-k entropy and the runner-up ratio by hand', () => {
    const u = stepUncertainty([{ id: 1, prob: 0.25 }, { id: 2, prob: 0.5 }, { id: 3, prob: 0.25 }]);
    expect(u.top1Prob).toBe(0.5);
    expect(u.ratio).toBe(0.5);
    // -(0.5 ln 0.5 + 2 * 0.25 ln 0.25) = 1.5 ln 2
    expect(u.entropy).toBeCloseTo(1.5 * Math.LN2, 12);
    // renormalisation: half the mass in the top-k gives the same entropy
    expect(stepUncertainty([{ id: 1, prob: 0.125 }, { id: 2, prob: 0.25 }, { id: 3, prob: 0.125 }]).entropy).toBeCloseTo(1.5 * Math.LN2, 12);
  });

  it('finds uncertain steps in allowed spans and never offers the trajectory token', () => {
    const cfg = resolvePreferenceConfig({ minTop1Prob: 0.6, maxEntropy: 10, altRatio: 1, minAltProb: 0.05, maxAltsPerPoint: 2 });
    const tokens = [
      tok(1, [[1, 0.95], [2, 0.05]], 'format'),
      tok(5, [[5, 0.5], [6, 0.3], [7, 0.1], [8, 0.04]], 'name'),
      tok(9, [[9, 0.9], [3, 0.1]], 'value'),
      tok(4, [[4, 0.4], [3, 0.4]], 'format'),
      tok(6, [[5, 0.55], [6, 0.45]], 'key'),
    ];
    const points = findDivergences(tokens, cfg);
    expect(points.map((p) => p.index)).toEqual([1, 4]);
    expect(points[0].alternatives.map((a) => a.id)).toEqual([6, 7]);
    expect(points[0].reasons).toEqual(['top1']);
    // a sampled (non-top-1) token: the top-1 becomes the alternative
    expect(points[1].alternatives.map((a) => a.id)).toEqual([5]);
    // spans [] = anywhere
    expect(findDivergences(tokens, { ...cfg, spans: [] }).map((p) => p.index)).toEqual([1, 3, 4]);
  });

  it('flags by ratio and entropy independently', () => {
    const t = [tok(1, [[1, 0.8], [2, 0.2]])];
    const base = resolvePreferenceConfig({ minTop1Prob: 0, maxEntropy: 100, altRatio: 1 });
    expect(findDivergences(t, base)).toHaveLength(0);
    expect(findDivergences(t, { ...base, altRatio: 0.25 })[0].reasons).toEqual(['ratio']);
    expect(findDivergences(t, { ...base, maxEntropy: 0.4 })[0].reasons).toEqual(['entropy']);
  });

  it('spends the branch budget on the most uncertain points, returned in order', () => {
    const cfg = resolvePreferenceConfig({ minTop1Prob: 0.9, altRatio: 1, maxEntropy: 10, minAltProb: 0, maxAltsPerPoint: 2 });
    const tokens = [tok(1, [[1, 0.8], [2, 0.1], [3, 0.1]]), tok(1, [[1, 0.4], [2, 0.3], [3, 0.3]]), tok(1, [[1, 0.6], [2, 0.4]])];
    const kept = budgetDivergences(findDivergences(tokens, cfg), 3);
    expect(kept.map((p) => [p.index, p.alternatives.length])).toEqual([[1, 2], [2, 1]]);
  });
});
