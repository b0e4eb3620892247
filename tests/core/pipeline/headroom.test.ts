import { describe, expect, it } from 'vitest';
import { headroomLines, headroomRow, pairedReach } from '../../../src/core/pipeline/headroom_rows.ts';
import type { PassAtK } from '../../../src/core/pipeline/pass_at_k.ts';
import type { EvalReport } from '../../../src/core/scoring/evaluate.ts';

const report = (turns: [string, number, boolean][]): EvalReport => ({ turns: turns.map(([sampleId, turn, exact]) => ({ sampleId, turn, exact })) }) as unknown as EvalReport;
const measured = (perTurn: [string, number, number][]): PassAtK => ({
  k: 4, temperature: 0.7, turns: perTurn.length, passAtK: perTurn.filter((t) => t[2] > 0).length / perTurn.length, passAt1: 0.25, skipped: 0,
  sampleIds: [...new Set(perTurn.map((t) => t[0]))], perTurn: perTurn.map(([sampleId, turn, exact]) => ({ sampleId, turn, exact })),
});

describe('headroomRow', () => {
  // four measured turns: greedy right on a/1 and b/3; wrong on a/3 (one exact sample of 4) and b/1 (none).
  // c/1 is in the report but was not sampled (another sample), so it does not count.
  const greedy = report([['a', 1, true], ['a', 3, false], ['b', 1, false], ['b', 3, true], ['c', 1, false]]);
  const h = measured([['a', 1, 4], ['a', 3, 1], ['b', 1, 0], ['b', 3, 2]]);

  it('pairs each sampled turn with its greedy reading', () => {
    expect(headroomRow(h, greedy)).toEqual({ turns: 4, passAtK: 0.75, passAt1: 0.25, greedy: 0.5, greedyWrong: 2, reachable: 1 });
  });

  it('gives null for a record without per-turn counts or a turn the report lacks', () => {
    expect(headroomRow({ ...h, perTurn: undefined }, greedy)).toBeNull();
    expect(headroomRow(measured([['a', 1, 4], ['d', 1, 1]]), greedy)).toBeNull();
  });

  it('writes one row per model with the reachable share of its greedy-wrong turns', () => {
    const lines = headroomLines({ start: headroomRow(h, greedy)! }, 4, 0.7);
    expect(lines[0]).toBe('## What each model\'s own samples can still reach (pass@4, T=0.7)');
    expect(lines[2]).toMatch(/^On the headroom line's 4 test turns, every model sampled 4 times a turn/);
    expect(lines).toContain('| start | 50.0% | 25.0% | 75.0% | 1 of 2 (50.0%) |');
    expect(headroomLines({}, 4, 0.7)).toEqual([]);
  });
});

describe('pairedReach', () => {
  it('counts the turns only one model\'s samples reach, with the exact McNemar p', () => {
    const before = measured([['a', 1, 4], ['a', 3, 1], ['b', 1, 0], ['b', 3, 0], ['c', 1, 0]]);
    // a/3 lost; b/1, b/3 and c/1 gained (in another order: paired by turn, not by position)
    const after = measured([['c', 1, 2], ['b', 3, 1], ['b', 1, 8], ['a', 3, 0], ['a', 1, 3]]);
    // exact two-sided McNemar on 3 / 1: 2 * P(X <= 1), X ~ Bin(4, 1/2) = 2 * 5/16
    expect(pairedReach(before, after)).toEqual({ gained: 3, lost: 1, p: 0.625 });
    expect(pairedReach(after, before)).toEqual({ gained: 1, lost: 3, p: 0.625 });
    expect(pairedReach(before, before)).toEqual({ gained: 0, lost: 0, p: 1 });
  });

  it('gives null on different turns or without per-turn counts', () => {
    const a = measured([['a', 1, 4], ['a', 3, 1]]);
    expect(pairedReach(a, measured([['a', 1, 4], ['a', 5, 1]]))).toBeNull();
    expect(pairedReach(a, measured([['a', 1, 4]]))).toBeNull();
    expect(pairedReach(a, { ...a, perTurn: undefined })).toBeNull();
  });
});
