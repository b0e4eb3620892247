import { describe, expect, it } from 'vitest';
import { biasGrid, biasPoint, callsAt, chooseBias, reportAtBias, scanBiases, type DecisionTurn } from '../../../src/core/scoring/call_calibration.ts';
import type { TurnRecord } from '../../../src/core/scoring/evaluate.ts';

const CALL = { name: 'f', arguments: { x: 1 } };

/** A scored turn: `due` = the ground truth calls; `made` = the text calls; `exact` as scored. */
function record(id: string, due: boolean, made: boolean, exact: boolean): TurnRecord {
  const errors = exact ? [] : !due && made ? [{ category: 'irrelevance' }] : due && !made ? [{ category: 'no_call' }] : [{ category: 'wrong_value' }];
  return {
    sampleId: id, turn: 1, category: 'single', domains: ['d'], expected: due ? [CALL] : [], text: made ? '<tool_call>…' : 'text',
    predicted: made ? [CALL] : [], exact, esm: exact ? 1 : 0, parts: { name: 0, required: 0, key: 0, type: 0, value: 0 },
    formatValid: true, noCallDue: !due, errors: errors as TurnRecord['errors'],
  };
}

/** Greedy call decision from the margin's sign; the flipped side decided by `flipExact`, null = not decoded. */
function decision(id: string, due: boolean, margin: number, greedyExact: boolean, flipExact: boolean | null): DecisionTurn {
  const called = margin >= 0;
  return { margin, called, greedy: record(id, due, called, greedyExact), flipped: flipExact === null ? null : record(id, due, !called, flipExact) };
}

// Four turns worked by hand. a: a text turn greedy calls at margin 1 (spurious); text is right.
// b: a call turn greedy calls right at margin 3. c: a call turn greedy answers in text at margin -0.5 (missed);
// its call would be wrong. d: a text turn greedy answers right at margin -2.
const TURNS = [decision('a', false, 1, false, true), decision('b', true, 3, true, null), decision('c', true, -0.5, false, false), decision('d', false, -2, true, false)];

describe('call calibration', () => {
  it('calls at a bias when margin + bias crosses 0, greedy\'s own choice at 0 (ties included)', () => {
    expect(callsAt(TURNS[0], 0)).toBe(true);
    expect(callsAt(TURNS[0], -1)).toBe(true); // the tie keeps greedy's call
    expect(callsAt(TURNS[0], -1.01)).toBe(false);
    expect(callsAt(TURNS[2], 0.5)).toBe(false); // the tie keeps greedy's text
    expect(callsAt(TURNS[2], 0.51)).toBe(true);
    expect(callsAt({ ...TURNS[3], margin: 0, called: false }, 0)).toBe(false);
  });

  it('scores each bias from the turns decoded both ways, by hand', () => {
    // bias 0: a wrong (spurious), b right, c wrong (missed), d right: 2 of 4 wrong.
    expect(scanBiases(4, TURNS, [0])[0]).toEqual({ bias: 0, errorRate: 0.5, calls: 2, spurious: 1, missed: 1 });
    // bias -1.5: a flips to text (right); c, d stay text: 1 wrong (c, missed).
    expect(scanBiases(4, TURNS, [-1.5])[0]).toEqual({ bias: -1.5, errorRate: 0.25, calls: 1, spurious: 0, missed: 1 });
    // bias +1: c flips to a wrong call (no longer missed, still wrong); a still spurious.
    expect(scanBiases(4, TURNS, [1])[0]).toEqual({ bias: 1, errorRate: 0.5, calls: 3, spurious: 1, missed: 0 });
    // bias +2.5: d flips to a spurious call too.
    expect(scanBiases(4, TURNS, [2.5])[0]).toEqual({ bias: 2.5, errorRate: 0.75, calls: 4, spurious: 2, missed: 0 });
    const r = reportAtBias(4, TURNS, -1.5);
    expect(r.turns.map((t) => t.exact)).toEqual([true, true, false, true]);
    expect(r.overall.exactMatch).toBe(0.75);
  });

  it('refuses a bias that would flip a turn not decoded the other way', () => {
    expect(() => reportAtBias(4, TURNS, -3.5)).toThrow(/turn 1 \(b, message 1\): margin 3.00 flips at bias -3.5 but was not decoded/);
  });

  it('chooses the lowest error, ties to the bias nearest 0, then the smaller', () => {
    const pts = [-2, -1.5, -1, 0, 1, 1.5].map((b) => ({ ...biasPoint([], b), errorRate: Math.abs(b) === 1.5 || b === -2 ? 0.25 : 0.5 }));
    expect(chooseBias(pts).bias).toBe(-1.5);
    expect(chooseBias([{ ...biasPoint([], 1), errorRate: 0.3 }, { ...biasPoint([], 0), errorRate: 0.3 }]).bias).toBe(0);
    expect(chooseBias(scanBiases(4, TURNS, biasGrid(2, 0.5))).bias).toBe(-1.5); // -1.5 and -2 reach 25%; -1.5 is nearer 0
    expect(() => chooseBias([])).toThrow();
  });

  it('makes a symmetric grid that holds 0', () => {
    expect(biasGrid(1, 0.5)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(biasGrid(0.7, 0.25)).toEqual([-0.5, -0.25, 0, 0.25, 0.5]);
    expect(biasGrid(0, 0.25)).toEqual([0]);
    expect(() => biasGrid(1, 0)).toThrow(/step > 0/);
  });
});
