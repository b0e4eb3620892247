import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAT_TEMPLATE } from '../../../src/core/data/chat_format.ts';
import { commonPrefix, disposeDpoBatch, encodePairs, makeDpoBatch, splitPairText, type ConversationalPair } from '../../../src/core/train/dpo_data.ts';

const tok = { chatTemplate: DEFAULT_CHAT_TEMPLATE, padTokenId: 0, encode: (s: string): number[] => [...s].map((c) => c.charCodeAt(0)) };
const call = (n: string): string => `<tool_call>{"name": "${n}", "arguments": {}}</tool_call>`;

describe('dpo data', () => {
  it('splits a whole-turn pair after the generation prompt', () => {
    const pair: ConversationalPair = {
      prompt: [{ role: 'user', content: 'hi' }], tools: [],
      chosen: [{ role: 'assistant', content: call('a') }], rejected: [{ role: 'assistant', content: call('b') }],
    };
    const t = splitPairText(pair, tok);
    expect(t.prompt).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
    expect(t.chosen).toBe(`${call('a')}<|im_end|>\n`);
  });

  it('keeps a partial assistant prefix in the prompt (one turn with the completion)', () => {
    const pair: ConversationalPair = {
      prompt: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '<tool_call>{"name": "' }], tools: [],
      chosen: [{ role: 'assistant', content: 'a", "arguments": {}}</tool_call>' }],
      rejected: [{ role: 'assistant', content: 'b", "arguments": {}}</tool_call>' }],
    };
    const t = splitPairText(pair, tok);
    expect(t.prompt).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<tool_call>{"name": "');
    expect(t.rejected).toBe('b", "arguments": {}}</tool_call><|im_end|>\n');
  });

  it('cuts text before tokenising: a 5 MB prompt encodes only its end, a 5 MB completion is dropped unread', () => {
    const seen: number[] = [];
    const counting = { ...tok, encode: (s: string): number[] => (seen.push(s.length), tok.encode(s)) };
    const huge: ConversationalPair = {
      prompt: [{ role: 'user', content: 'y'.repeat(5_000_000) + 'end' }], tools: [],
      chosen: [{ role: 'assistant', content: 'xyA' }], rejected: [{ role: 'assistant', content: 'xyB!' }],
    };
    const longAnswer: ConversationalPair = { ...huge, prompt: [{ role: 'user', content: 'hi' }], rejected: [{ role: 'assistant', content: 'z'.repeat(5_000_000) }] };
    const enc = encodePairs([huge, longAnswer], [1, 1], counting, 32);
    expect(enc).toMatchObject({ truncated: 1, dropped: 1 });
    expect(enc.pairs[0].prompt).toEqual(encodePairs([{ ...huge, prompt: [{ role: 'user', content: 'y'.repeat(2048) + 'end' }] }], [1], tok, 32).pairs[0].prompt);
    expect(Math.max(...seen)).toBeLessThanOrEqual(32 * 64);
  });

  it('encodes, truncates the prompt from the left and places masks on completion targets', () => {
    const pair: ConversationalPair = {
      prompt: [{ role: 'user', content: 'hello there' }], tools: [],
      chosen: [{ role: 'assistant', content: 'xyA' }], rejected: [{ role: 'assistant', content: 'xyB!' }],
    };
    const enc = encodePairs([pair, pair], [0.5, 0.25], tok, 20);
    expect(enc.pairs.length).toBe(2);
    expect(enc.truncated).toBe(2);
    const p = enc.pairs[0];
    expect(p.prompt.length + p.rejected.length).toBe(20);
    expect(p.sharedPrefix).toBe(2);
    expect(commonPrefix([1, 2, 3], [1, 2])).toBe(2);
    const b = makeDpoBatch([{ ...p, refChosen: p.chosen.map((_, i) => -i - 1) }, enc.pairs[1]], 0, true);
    const P = p.prompt.length;
    const C = Math.max(p.chosen.length, p.rejected.length);
    expect(b.promptIds.shape).toEqual([2, P]);
    expect(b.completionIds.shape).toEqual([4, C]);
    expect(b.promptIds.arraySync()[0]).toEqual(p.prompt);
    expect(b.completionIds.arraySync()[0].slice(0, p.chosen.length)).toEqual(p.chosen);
    expect(b.completionIds.arraySync()[2].slice(0, p.rejected.length)).toEqual(p.rejected);
    expect(b.completionMask.arraySync()[0].reduce((a, c) => a + c, 0)).toBe(p.chosen.length);
    // shared prefix masked: the first 2 completion tokens of chosen and rejected rows carry no loss
    expect(b.lossMask.arraySync()[0].slice(0, 3)).toEqual([0, 0, 1]);
    expect(b.lossMask.arraySync()[2].reduce((a, c) => a + c, 0)).toBe(p.rejected.length - 2);
    expect(b.refLogps.arraySync()[0].slice(0, p.chosen.length)).toEqual(p.chosen.map((_, i) => -i - 1));
    expect(b.refLogps.arraySync()[1].every((v) => v === 0)).toBe(true);
    expect(b.completionPositions.arraySync()[3][0]).toBe(P);
    disposeDpoBatch(b);
  });

  it('divergentTokens keeps only the first tokens from where chosen and rejected differ', () => {
    const pair: ConversationalPair = {
      prompt: [{ role: 'user', content: 'q' }], tools: [],
      chosen: [{ role: 'assistant', content: 'xyAAAA' }], rejected: [{ role: 'assistant', content: 'xyBBBBBB' }],
    };
    const p = encodePairs([pair], [0.5], tok, 64).pairs[0];
    expect(p.sharedPrefix).toBe(2);
    const rows = (mask: boolean, window: number): number[][] => {
      const b = makeDpoBatch([p], 0, mask, window);
      const m = b.lossMask.arraySync();
      disposeDpoBatch(b);
      return m;
    };
    // chosen 'xyAAAA<|im_end|>\n' is 6 + 12 chars with this character tokenizer
    expect(rows(true, 3)[0].slice(0, 7)).toEqual([0, 0, 1, 1, 1, 0, 0]);
    expect(rows(true, 3)[1].reduce((a, c) => a + c, 0)).toBe(3);
    // without the prefix mask the shared tokens count too (they cancel in the log-ratio); the window still ends at 2 + 3
    expect(rows(false, 3)[1].slice(0, 6)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(rows(true, 0)[1].reduce((a, c) => a + c, 0)).toBe(p.rejected.length - 2);
  });

  it('divergentWeight weighs the first differing token of both sides, and only it', () => {
    const pair: ConversationalPair = {
      prompt: [{ role: 'user', content: 'q' }], tools: [],
      chosen: [{ role: 'assistant', content: 'xyAA' }], rejected: [{ role: 'assistant', content: 'xyBB' }],
    };
    const p = encodePairs([pair], [0.5], tok, 64).pairs[0];
    const b = makeDpoBatch([p], 0, false, 3, 4);
    const m = b.lossMask.arraySync();
    disposeDpoBatch(b);
    expect(m[0].slice(0, 6)).toEqual([1, 1, 4, 1, 1, 0]);
    expect(m[1].slice(0, 6)).toEqual([1, 1, 4, 1, 1, 0]);
  });

  it('drops pairs with identical completions', () => {
    const same: ConversationalPair = {
      prompt: [{ role: 'user', content: 'q' }], tools: [],
      chosen: [{ role: 'assistant', content: 'x' }], rejected: [{ role: 'assistant', content: 'x' }],
    };
    expect(encodePairs([same], [0.1], tok, 64).dropped).toBe(1);
  });
});
