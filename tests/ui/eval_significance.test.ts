import { describe, expect, it } from 'vitest';
import { significanceText } from '../../src/ui/eval_significance.ts';

const before = { name: 'before DPO', errorRate: 0.335, lo: 0.28, hi: 0.39 };

describe('significanceText', () => {
  it('says when a change cannot be told from chance, with what one turn is worth', () => {
    const text = significanceText([before, { name: 'after DPO', errorRate: 0.32, lo: 0.265, hi: 0.375, vsFirst: { fixed: 12, broken: 8, p: 0.503 } }], 246);
    expect(text).toBe('Error rate before DPO 33.5% (95% interval 28.0%-39.0%); after DPO 32.0% (95% interval 26.5%-37.5%). '
      + 'On the same turns after DPO fixed 12 turns and broke 8 turns. This difference cannot be told from chance (p = 0.50, exact McNemar); '
      + 'more test turns would tell. One turn is 0.4 pt of 246 turns.');
  });

  it('names a significant change and its direction', () => {
    const better = significanceText([before, { name: 'after', errorRate: 0.25, lo: 0.2, hi: 0.3, vsFirst: { fixed: 30, broken: 9, p: 0.0009 } }], 1000);
    expect(better).toContain('Fewer errors, beyond chance (p < 0.001).');
    const worse = significanceText([before, { name: 'after', errorRate: 0.4, lo: 0.35, hi: 0.45, vsFirst: { fixed: 1, broken: 12, p: 0.0034 } }], 1000);
    expect(worse).toContain('fixed 1 turn and broke 12 turns. More errors, beyond chance (p = 0.003).');
  });

  it('says so when no turn changed', () => {
    expect(significanceText([before, { ...before, name: 'after', vsFirst: { fixed: 0, broken: 0, p: 1 } }], 6)).toBe(
      'Error rate before DPO 33.5% (95% interval 28.0%-39.0%); after 33.5% (95% interval 28.0%-39.0%). On the same turns no turn changed between the two. One turn is 16.7 pt of 6 turns.');
  });

  it('has nothing to say for one report, and no paired test across different turns', () => {
    expect(significanceText([before], 246)).toBeUndefined();
    expect(significanceText(undefined, 246)).toBeUndefined();
    expect(significanceText([before, { name: 'other', errorRate: 0.3, lo: 0.25, hi: 0.35 }], 246)).toContain('different turns, so there is no paired test');
  });
});
