import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAT_TEMPLATE, renderConversation } from '../../../src/core/data/chat_format.ts';
import type { Sample } from '../../../src/core/data/sample.ts';
import { createRng } from '../../../src/core/rng.ts';
import { bucketedOrder, disposeSftBatch, encodeSample, encodeSamples, makeSftBatch, type SftTokenizer } from '../../../src/core/train/sft_data.ts';

// One token per UTF-16 unit: the mask boundaries can be read straight off the text.
const chars: SftTokenizer = { encode: (t) => [...t].map((c) => c.charCodeAt(0)), padTokenId: 0, chatTemplate: DEFAULT_CHAT_TEMPLATE };
const decode = (ids: number[]): string => String.fromCharCode(...ids);

const sample: Sample = {
  id: 's1',
  tools: [{ type: 'function', function: { name: 'add', description: 'Add', parameters: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] } } }],
  messages: [
    { role: 'user', content: 'add 2' },
    { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'add', arguments: { a: 2 } } }] },
    { role: 'tool', name: 'add', content: '{"result": 4}' },
    { role: 'assistant', content: 'It is 4.' },
  ],
  meta: { category: 'single', domains: ['math'] },
};

describe('encodeSample', () => {
  it('marks exactly the assistant output (tool call and answer with their end markers)', () => {
    const e = encodeSample(sample, chars, 'assistant');
    expect(decode(e.ids)).toBe(renderConversation(sample.messages, sample.tools));
    const trained = decode(e.ids.filter((_, i) => e.lossMask[i] === 1));
    expect(trained).toBe('<tool_call>{"name": "add", "arguments": {"a": 2}}</tool_call><|im_end|>\nIt is 4.<|im_end|>\n');
  });

  it('trains on every token with trainOn = all', () => {
    const e = encodeSample(sample, chars, 'all');
    expect(e.lossMask.every((m) => m === 1)).toBe(true);
  });
});

describe('encodeSamples', () => {
  it('truncates long samples, counts them, and drops those left with nothing to train', () => {
    const full = encodeSample(sample, chars, 'assistant');
    const firstTrained = full.lossMask.indexOf(1);
    const keep = encodeSamples([sample], chars, { seqLen: firstTrained + 3, trainOn: 'assistant' });
    expect(keep).toMatchObject({ truncated: 1, dropped: 0 });
    expect(keep.samples[0].ids).toHaveLength(firstTrained + 3);
    const none = encodeSamples([sample], chars, { seqLen: firstTrained, trainOn: 'assistant' });
    expect(none).toMatchObject({ truncated: 1, dropped: 1, samples: [] });
    const fits = encodeSamples([sample, sample], chars, { seqLen: 10_000, trainOn: 'assistant' });
    expect(fits).toMatchObject({ truncated: 0, dropped: 0 });
  });

  it('cuts text beyond seqLen before tokenising: a 5 MB message costs no more than its first seqLen tokens', () => {
    const seen: number[] = [];
    const counting: SftTokenizer = { ...chars, encode: (t) => (seen.push(t.length), chars.encode(t)) };
    const huge: Sample = { ...sample, messages: [{ role: 'user', content: 'x'.repeat(5_000_000) }, ...sample.messages.slice(1)] };
    const got = encodeSamples([huge], counting, { seqLen: 64, trainOn: 'all' });
    expect(got.samples[0].ids).toEqual(encodeSamples([{ ...huge, messages: [{ role: 'user', content: 'x'.repeat(64 * 64) }, ...sample.messages.slice(1)] }], chars, { seqLen: 64, trainOn: 'all' }).samples[0].ids);
    expect(Math.max(...seen)).toBeLessThan(64 * 64 + 1000);
  });
});

describe('makeSftBatch', () => {
  it('shifts targets by one, right-pads, and masks padding out of attention and loss', () => {
    const b = makeSftBatch([{ ids: [5, 6, 7, 8], lossMask: [0, 0, 1, 1] }, { ids: [9, 10], lossMask: [0, 1] }], 0);
    expect(b.inputIds.shape).toEqual([2, 3]);
    expect(b.inputIds.arraySync()).toEqual([[5, 6, 7], [9, 0, 0]]);
    expect(b.targetIds.arraySync()).toEqual([[6, 7, 8], [10, 0, 0]]);
    expect(b.attentionMask.arraySync()).toEqual([[1, 1, 1], [1, 0, 0]]);
    expect(b.lossMask.arraySync()).toEqual([[0, 1, 1], [1, 0, 0]]);
    expect([b.targetTokens, b.inputTokens]).toEqual([3, 4]);
    disposeSftBatch(b);
  });
});

describe('bucketedOrder', () => {
  it('is a seeded permutation whose batches pad less than a plain shuffle', () => {
    const lengths = Array.from({ length: 64 }, (_, i) => 5 + ((i * 37) % 60));
    const order = bucketedOrder(lengths, 8, createRng(1));
    expect([...order].sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    expect(bucketedOrder(lengths, 8, createRng(1))).toEqual(order);
    const padding = (o: number[]): number => {
      let pad = 0;
      for (let i = 0; i < o.length; i += 8) {
        const ls = o.slice(i, i + 8).map((j) => lengths[j]);
        pad += ls.reduce((s, l) => s + Math.max(...ls) - l, 0);
      }
      return pad;
    };
    expect(padding(order)).toBeLessThan(0.5 * padding(createRng(1).shuffle(lengths.map((_, i) => i))));
  });
});
