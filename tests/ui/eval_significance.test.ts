import { describe, expect, it } from 'vitest';
import { significanceText, tokenLevelText } from '../../src/ui/eval_significance.ts';

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

describe('tokenLevelText', () => {
  const t = { callTurns: 120, cleanBefore: 80, points: 40, higher: 29, lower: 11, p: 0.0064, medianChange: 0.314, fixed: 9, repaired: 6, keptClean: 77 };
  it('reads the after model at the before model\'s first wrong tokens, with the sign test', () => {
    expect(tokenLevelText(t, 'before DPO', 'after DPO')).toBe('At the first wrong token (ground truth teacher-forced): before DPO first leaves the truth in 40 of 120 call turns. '
      + 'There, after DPO gives the truth a larger margin over the likeliest other token at 29 and a smaller one at 11; median change +0.31 nats: raised beyond chance (p = 0.006, exact sign test). '
      + 'It now puts the truth first at 9 of them; 6 of those 40 turns are now right to the end, and 77 of the 80 right ones stay right.');
    expect(tokenLevelText({ ...t, higher: 11, lower: 29, medianChange: -0.2 }, 'a', 'b')).toContain('median change -0.20 nats: lowered beyond chance (p = 0.006, exact sign test)');
    expect(tokenLevelText({ ...t, higher: 22, lower: 18, p: 0.64 }, 'a', 'b')).toContain(': not beyond chance (p = 0.64, exact sign test)');
  });
  it('says when there is nothing to read', () => {
    expect(tokenLevelText({ ...t, cleanBefore: 120, points: 0, higher: 0, lower: 0, p: 1, medianChange: NaN, fixed: 0, repaired: 0 }, 'before DPO', 'after DPO'))
      .toBe('At the first wrong token (ground truth teacher-forced): before DPO gets every token of the 120 call turns right, so there is no wrong token to read.');
    expect(tokenLevelText({ ...t, callTurns: 0, cleanBefore: 0, points: 0 }, 'a', 'b')).toBeUndefined();
    expect(tokenLevelText({ ...t, higher: 0, lower: 0, p: 1, medianChange: 0 }, 'a', 'b')).toContain('median change 0.00 nats: no margin changed.');
    expect(tokenLevelText({ ...t, callTurns: 0, cleanBefore: 0, points: 0 }, 'a', 'b', 6)).toBe("At the first wrong token (ground truth teacher-forced): no call turn to read. 6 samples are longer than the model's positions and left out.");
    expect(tokenLevelText({ ...t, cleanBefore: 0, callTurns: 40, keptClean: 0, medianChange: 0.00342 }, 'a', 'b')).toMatch(/median change \+0\.0034 nats: .* 6 of those 40 turns are now right to the end\.$/);
    expect(tokenLevelText(t, 'a', 'b', 1)).toMatch(/stay right\. 1 sample is longer than the model's positions and left out\.$/);
  });
});
