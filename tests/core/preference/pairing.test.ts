import { describe, expect, it } from 'vitest';
import { bestVsRest, dedupePairs, sequencePairs, turnRulePairs, type Completion, type PreferencePair } from '../../../src/core/preference/pairing.ts';

const c = (text: string, esm: number, source: Completion['source'] = 'sample'): Completion => ({ text, ids: [], esm, categories: esm < 1 ? ['wrong_value'] : [], source });

describe('pairing', () => {
  it('group rule: best against every strictly lower completion', () => {
    const g = [c('a', 0.5), c('b', 1), c('c', 1), c('d', 0.2)];
    const pairs = bestVsRest(g);
    expect(pairs.map((p) => [p.chosen.text, p.rejected.text, p.margin])).toEqual([['b', 'a', 0.5], ['b', 'd', 0.8]]);
    expect(bestVsRest(g, 0.6).map((p) => p.rejected.text)).toEqual(['d']);
    expect(bestVsRest([c('a', 1)])).toEqual([]);
  });

  it('TTPA per-turn rule: ground truth chosen when the best sample is under the threshold', () => {
    const truth = c('T', 1, 'ground_truth');
    const low = [c('x', 0.5), c(' x ', 0.5), c('y', 0.7)];
    const p1 = turnRulePairs(low, truth, 0.8);
    expect(p1.map((p) => [p.chosen.text, p.rejected.text])).toEqual([['T', 'x'], ['T', 'y']]);
    const high = [c('x', 0.5), c('z', 0.9), c('z', 0.9), c('w', 0.9)];
    expect(turnRulePairs(high, truth, 0.8).map((p) => [p.chosen.text, p.rejected.text])).toEqual([['z', 'x']]);
    // every sample perfect: nothing to prefer
    expect(turnRulePairs([c('T', 1), c('T', 1)], truth, 0.8)).toEqual([]);
  });

  it('sequence baseline: best vs worst only', () => {
    const pairs = sequencePairs([c('a', 0.4), c('b', 0.9), c('c', 0.1)]);
    expect(pairs.map((p) => [p.chosen.text, p.rejected.text])).toEqual([['b', 'c']]);
    expect(sequencePairs([c('a', 0.4), c('a', 0.4)])).toEqual([]);
  });

  it('chosen always scores strictly higher', () => {
    const g = [c('a', 0.3), c('b', 0.3), c('c', 0.6)];
    for (const p of [...bestVsRest(g), ...sequencePairs(g), ...turnRulePairs(g, c('T', 1), 0.8)]) expect(p.chosen.esm).toBeGreaterThan(p.rejected.esm);
  });

  it('de-duplicates pairs by prompt, prefix and both texts', () => {
    const base: Omit<PreferencePair, 'chosen' | 'rejected'> = { sampleId: 's', turnIndex: 1, turnType: 'call', mode: 'token', kind: 'branch', prompt: [], tools: [], prefix: 'p', divergenceIndex: 3, spanType: 'value', margin: 1 };
    const pair = (chosen: string, prefix = 'p'): PreferencePair => ({ ...base, prefix, chosen: c(chosen, 1), rejected: c('r', 0) });
    expect(dedupePairs([pair('a'), pair('a'), pair('b'), pair('a', 'q')])).toHaveLength(3);
  });
});
