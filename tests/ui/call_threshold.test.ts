import { describe, expect, it } from 'vitest';
import type { BiasChoice } from '../../src/protocol.ts';
import { thresholdNote, thresholdProblem } from '../../src/ui/call_threshold.ts';

const point = (bias: number, errorRate: number, spurious: number, missed: number) => ({ bias, errorRate, calls: 0, spurious, missed });

describe('the call threshold set on validation, in words', () => {
  it('names each model\'s bias, the turns that set it, and what it moved there', () => {
    const greedy = point(0, 0.315, 40, 9);
    const moved: BiasChoice = { turns: 412, flipsDecoded: 37, points: [point(-1.25, 0.302, 12, 21), greedy], greedy, chosen: point(-1.25, 0.302, 12, 21) };
    expect(thresholdNote('after DPO', moved)).toBe('after DPO: call bias -1.25 nats on <tool_call>, set on 412 validation turns (validation error 31.5% at 0 -> 30.2%; spurious / missed calls 40 / 9 -> 12 / 21)');
    const up: BiasChoice = { ...moved, chosen: point(0.5, 0.31, 41, 3) };
    expect(thresholdNote('before DPO', up)).toMatch(/^before DPO: call bias \+0\.5 nats/);
    const none: BiasChoice = { ...moved, chosen: greedy };
    expect(thresholdNote('current model', none)).toBe('current model: call bias 0 nats on <tool_call>, set on 412 validation turns (validation error 31.5% at 0; no bias lowered it)');
  });

  it('refuses a dataset without validation conversations, or without a test split to read apart from them', () => {
    expect(thresholdProblem({ val: ['v1'], test: ['t1'] })).toBeUndefined();
    expect(thresholdProblem({ val: [], test: ['t1'] })).toMatch(/needs validation conversations, and this dataset has none: set it to fixed$/);
    expect(thresholdProblem({ val: ['v1'], test: [] })).toMatch(/needs a test split to evaluate apart from the validation conversations that set it/);
  });
});
