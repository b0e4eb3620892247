import { describe, expect, it } from 'vitest';
import type { PassAtK } from '../../src/core/pipeline/pass_at_k.ts';
import { headroomTable, headroomText, type EvalHeadroom } from '../../src/ui/eval_headroom.ts';

/** A pass@k record over turns a#1, b#1, c#1, d#1 with the given exact-sample counts (k = 4). */
const record = (exact: number[], passAt1 = 0.25): PassAtK => ({
  k: 4, temperature: 0.7, turns: exact.length, passAtK: exact.filter((e) => e > 0).length / exact.length, passAt1, skipped: 0,
  sampleIds: ['a', 'b', 'c', 'd'], perTurn: exact.map((e, i) => ({ sampleId: 'abcd'[i], turn: 1, exact: e })),
});
const row = { turns: 4, passAtK: 0.75, passAt1: 0.25, greedy: 0.5, greedyWrong: 2, reachable: 1 };

describe('the Evaluate panel\'s headroom line', () => {
  it('tabulates greedy, pass@1 and pass@k with its Wilson interval, and the reachable wrong turns', () => {
    const h: EvalHeadroom = { k: 4, temperature: 0.7, models: [{ name: 'before DPO', passAtK: record([1, 0, 2, 3]), row }, { name: 'after DPO', passAtK: record([0, 0, 1, 1]), row: null }] };
    const t = headroomTable(h);
    expect(t.header).toEqual(['model', 'greedy exact', 'pass@1 (T 0.7)', 'pass@4 (95% interval)', 'greedy-wrong turns with an exact sample']);
    // 3 of 4: Wilson 95% interval 30.1%-95.4%; 2 of 4: 15.0%-85.0%
    expect(t.rows).toEqual([
      ['before DPO', '50.0%', '25.0%', '75.0% (30.1%-95.4%)', '1 of 2'],
      ['after DPO', '–', '25.0%', '50.0% (15.0%-85.0%)', '–'],
    ]);
  });

  it('says what the update changed in what the model can sample, on the same turns', () => {
    const two = (after: number[]): string => headroomText({ k: 4, temperature: 0.7, models: [{ name: 'before DPO', passAtK: record([1, 0, 2, 3]), row }, { name: 'after DPO', passAtK: record(after), row }] });
    // turn b gained, turn a lost: 1 / 1, p = 1
    expect(two([0, 1, 2, 3])).toMatch(/^Each model sampled 4 times a turn at temperature 0\.7 on 4 test turns\. A turn greedy .* so pass@4 bounds what another round of them can reach\. On the same turns, after DPO's samples reach 1 turn before DPO's did not and miss 1 turn they reached: a difference that cannot be told from chance \(p = 1\.00, exact McNemar\)\.$/);
    expect(two([1, 0, 2, 3])).toContain('reach 0 turns before DPO\'s did not and miss 0 turns they reached: the update did not change which turns its samples reach.');
    expect(headroomText({ k: 4, temperature: 0.7, models: [{ name: 'only', passAtK: record([1, 0, 2, 3]), row }] })).not.toContain('On the same turns');
  });

  it('names a change beyond chance and its direction', () => {
    const n = 12;
    const before: PassAtK = { ...record([]), turns: n, passAtK: 0, perTurn: Array.from({ length: n }, (_, i) => ({ sampleId: `s${i}`, turn: 1, exact: 0 })) };
    const after: PassAtK = { ...before, passAtK: 1, perTurn: before.perTurn!.map((t) => ({ ...t, exact: 2 })) };
    const text = headroomText({ k: 4, temperature: 0.7, models: [{ name: 'before DPO', passAtK: before, row: null }, { name: 'after DPO', passAtK: after, row: null }] });
    expect(text).toContain('reach 12 turns before DPO\'s did not and miss 0 turns they reached: it samples the right answer on more turns, beyond chance (p < 0.001, exact McNemar).');
    // measured on different turns: no paired line
    const other: PassAtK = { ...after, perTurn: after.perTurn!.map((t) => ({ ...t, turn: 3 })) };
    expect(headroomText({ k: 4, temperature: 0.7, models: [{ name: 'before DPO', passAtK: before, row: null }, { name: 'after DPO', passAtK: other, row: null }] })).not.toContain('On the same turns');
  });
});
