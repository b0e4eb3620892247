import { describe, expect, it } from 'vitest';
import { buildTurnContext, pairTurns, toolCallTurns } from '../../../src/core/preference/turn_context.ts';
import { SAMPLES, testTokenizer } from './fixture.ts';

describe('turn_context', () => {
  it('picks call turns, and text turns when asked (an empty answer is left out)', () => {
    const s = SAMPLES[0];
    expect(toolCallTurns(s)).toEqual([1]);
    expect(pairTurns(s, false)).toEqual([1]);
    expect(pairTurns(s, true)).toEqual([1, 3]);
    const empty = { ...s, messages: [...s.messages.slice(0, 3), { role: 'assistant' as const, content: ' ' }] };
    expect(pairTurns(empty, true)).toEqual([1]);
  });

  it('a text turn: the answer is the truth, scored by scoring (plain text 1, any call 0)', () => {
    const ctx = buildTurnContext(testTokenizer(), SAMPLES[0], 3);
    expect([ctx.turnType, ctx.truth, ctx.truthText]).toEqual(['text', [], 'It is 21 degrees.']);
    expect(ctx.score('It is 21 degrees.')).toEqual({ esm: 1, categories: [] });
    expect(ctx.score('Something else entirely.').esm).toBe(1);
    expect(ctx.score('<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>')).toEqual({ esm: 0, categories: ['irrelevance'] });
    expect(ctx.score('<tool_call>{"name": "get_weather"').esm).toBe(0);
    expect(buildTurnContext(testTokenizer(), SAMPLES[0], 1).turnType).toBe('call');
    expect(() => buildTurnContext(testTokenizer(), SAMPLES[0], 2)).toThrow('is not an assistant turn');
  });
});
