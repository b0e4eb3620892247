import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/core/data/messages.ts';
import type { Sample } from '../../../src/core/data/sample.ts';
import type { ToolSchema } from '../../../src/core/tools/schema.ts';
import { evaluateSamples, type Generate } from '../../../src/core/scoring/evaluate.ts';
import { compareReports, reportToMarkdown } from '../../../src/core/scoring/report.ts';

const tool = (name: string, properties: ToolSchema['function']['parameters']['properties'], required: string[]): ToolSchema => ({
  type: 'function',
  function: { name, description: '', parameters: { type: 'object', properties, required } },
});
const TOOLS = [
  tool('weather.get', { city: { type: 'string' }, days: { type: 'integer' } }, ['city', 'days']),
  tool('notes.add', { text: { type: 'string' } }, ['text']),
  tool('time.now', {}, []),
];
const call = (name: string, args: Record<string, unknown>) => ({ type: 'function' as const, function: { name, arguments: args } });
const tag = (name: string, args: Record<string, unknown>) => `<tool_call>${JSON.stringify({ name, arguments: args })}</tool_call>`;
const SAMPLES: Sample[] = [
  {
    id: 's1',
    tools: TOOLS,
    meta: { category: 'single', domains: ['weather'] },
    messages: [
      { role: 'user', content: 'Weather in Paris for 3 days?' },
      { role: 'assistant', content: '', tool_calls: [call('weather.get', { city: 'Paris', days: 3 })] },
      { role: 'tool', name: 'weather.get', content: '{"sky": "sunny"}' },
      { role: 'assistant', content: 'Sunny in Paris.' },
    ],
  },
  {
    id: 's2',
    tools: TOOLS,
    meta: { category: 'parallel', domains: ['weather'] },
    messages: [
      { role: 'user', content: 'Paris for 3 days and Rome for 2?' },
      { role: 'assistant', content: '', tool_calls: [call('weather.get', { city: 'Paris', days: 3 }), call('weather.get', { city: 'Rome', days: 2 })] },
    ],
  },
  { id: 's3', tools: TOOLS, meta: { category: 'irrelevance', domains: [] }, messages: [{ role: 'user', content: 'Tell me a joke.' }, { role: 'assistant', content: 'No tool for that.' }] },
  {
    id: 's4',
    tools: TOOLS,
    meta: { category: 'single', domains: ['notes'] },
    messages: [{ role: 'user', content: 'Note: milk.' }, { role: 'assistant', content: '', tool_calls: [call('notes.add', { text: 'milk' })] }],
  },
];
// The fake model's answer for each assistant turn, in order:
// s1 t1 perfect; s1 t3 plain text (correct); s2 one of two calls; s3 a call where none was due; s4 unclosed tag.
const ANSWERS = [
  tag('weather.get', { days: 3, city: 'Paris' }) + '<|im_end|>',
  'It will be sunny.<|im_end|>',
  tag('weather.get', { city: 'Rome', days: 2 }),
  tag('time.now', {}),
  '<tool_call>{"name": "notes.add", "arguments": {"text": "milk"}}',
];
function fakeModel(): { generate: Generate; prompts: Message[][] } {
  const prompts: Message[][] = [];
  return {
    prompts,
    generate: async (messages) => {
      prompts.push(messages);
      return ANSWERS[prompts.length - 1];
    },
  };
}

describe('evaluateSamples with a fake generator', () => {
  it('replays turn by turn on the ground-truth history and reports hand-computed numbers', async () => {
    const fake = fakeModel();
    const progress: string[] = [];
    const r = await evaluateSamples(SAMPLES, fake.generate, { onProgress: (d, t) => progress.push(`${d}/${t}`) });
    expect(fake.prompts.map((p) => p.length)).toEqual([1, 3, 1, 1, 1]);
    expect(fake.prompts[1][2]).toEqual(SAMPLES[0].messages[2]);
    expect(progress).toEqual(['1/5', '2/5', '3/5', '4/5', '5/5']);
    expect(r.turns.map((t) => [t.exact, t.esm, t.formatValid])).toEqual([
      [true, 1, true],
      [true, 1, true],
      [false, 0.5, true], // 1 of 2 calls: 1 / max(1, 2)
      [false, 0, true],
      [false, 0, false],
    ]);
    const o = r.overall;
    expect(o.turns).toBe(5);
    expect(o.exactMatch).toBeCloseTo(2 / 5, 12);
    expect(o.meanEsm).toBeCloseTo((1 + 1 + 0.5) / 5, 12);
    expect(o.parts.name).toBeCloseTo((1 + 1 + 0.5) / 5, 12);
    expect(o.formatValidRate).toBeCloseTo(4 / 5, 12);
    expect(o.irrelevanceTurns).toBe(2);
    expect(o.irrelevanceAccuracy).toBe(0.5);
    expect(o.errorRates).toMatchObject({ wrong_count: 0.2, irrelevance: 0.2, format: 0.2, no_call: 0, wrong_value: 0 });
    expect(Object.keys(r.byCategory)).toEqual(['irrelevance', 'parallel', 'single']);
    expect(r.byCategory.single.exactMatch).toBeCloseTo(2 / 3, 12);
    expect(r.byCategory.irrelevance.irrelevanceAccuracy).toBe(0);
    expect(r.byDomain.weather.turns).toBe(3);
    expect(r.byDomain.weather.meanEsm).toBeCloseTo(2.5 / 3, 12);
    expect(r.byDomain['(none)'].turns).toBe(1);
  });
  it('domainOf groups turns by the tools they should call', async () => {
    const r = await evaluateSamples(SAMPLES, fakeModel().generate, { domainOf: (name) => name.split('.')[0] });
    expect(Object.fromEntries(Object.entries(r.byDomain).map(([k, s]) => [k, s.turns]))).toEqual({ '(none)': 2, notes: 1, weather: 2 });
    expect(r.byDomain['(none)'].irrelevanceAccuracy).toBe(0.5);
  });
  it('is deterministic and renders Markdown', async () => {
    const a = await evaluateSamples(SAMPLES, fakeModel().generate);
    const b = await evaluateSamples(SAMPLES, fakeModel().generate);
    expect(b).toEqual(a);
    const md = reportToMarkdown(a);
    expect(md).toContain('| exact match | 40.0% |');
    expect(md).toContain('| mean ESM | 0.500 |');
    expect(md).toContain('| wrong_count | 20.0% |');
    expect(md).toContain('| single | 3 | 66.7% | 0.667 | 66.7% | 100.0% |');
  });
  it('compareReports: a before/after table with deltas', async () => {
    const before = await evaluateSamples(SAMPLES, fakeModel().generate);
    const after = await evaluateSamples(SAMPLES, async (m) => {
      const next = SAMPLES.find((s) => s.messages[m.length - 1] === m[m.length - 1] && s.messages.length > m.length)!.messages[m.length];
      return next.tool_calls ? next.tool_calls.map((c) => tag(c.function.name, c.function.arguments)).join('\n') : next.content;
    });
    expect(after.overall.exactMatch).toBe(1);
    const c = compareReports([{ name: 'before', report: before }, { name: 'after', report: after }]);
    const exact = c.rows.find((r) => r.metric === 'exact match')!;
    expect(exact.values).toEqual([0.4, 1]);
    expect(exact.delta).toBeCloseTo(0.6, 12);
    expect(c.markdown).toContain('| exact match | 40.0% | 100.0% | +60.0 pt |');
    expect(c.markdown).toContain('| mean ESM [category parallel] | 0.500 | 1.000 | +0.500 |');
  });
});
