import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/core/data/messages.ts';
import type { ToolSchema } from '../../../src/core/tools/schema.ts';
import { renderConversation } from '../../../src/core/data/chat_format.ts';
import type { PreferencePair, Completion } from '../../../src/core/preference/pairing.ts';
import { pairStats } from '../../../src/core/preference/stats.ts';
import { pairToTrl, pairsToTrlJsonl, renderTrlPrompt, trlDedupeKey, trlPairFacts, validateTrlRecord } from '../../../src/core/preference/trl_export.ts';

const tools: ToolSchema[] = [{
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}];
const prompt: Message[] = [{ role: 'user', content: 'Weather in Paris?' }];
const side = (text: string, esm: number, logprobs?: number[]): Completion => ({ text, ids: [], esm, categories: esm < 1 ? ['wrong_value'] : [], source: 'branch', logprobs });
const pair = (prefix: string): PreferencePair => ({
  sampleId: 's1', turnIndex: 1, turnType: 'call', mode: 'token', kind: 'branch', prompt, tools, prefix,
  chosen: side('aris"}}</tool_call>', 1, [-0.5, -0.25]), rejected: side('erlin"}}</tool_call>', 0.82, [-1, -1]),
  divergenceIndex: 7, spanType: 'value', margin: 0.18,
});
const prefix = '<tool_call>{"name": "get_weather", "arguments": {"city": "P';

describe('trl_export', () => {
  it('puts the shared prefix in the prompt as a partial assistant message', () => {
    const rec = pairToTrl(pair(prefix));
    expect(rec.prompt).toEqual([...prompt, { role: 'assistant', content: prefix }]);
    expect(rec.chosen).toEqual([{ role: 'assistant', content: 'aris"}}</tool_call>' }]);
    expect(rec.rejected).toEqual([{ role: 'assistant', content: 'erlin"}}</tool_call>' }]);
    expect(rec.tools).toBe(tools);
    expect(rec.ttpa).toMatchObject({ divergence_index: 7, chosen_esm: 1, rejected_esm: 0.82, margin: 0.18, rejected_categories: ['wrong_value'], ref_chosen_logps: -0.75, ref_rejected_logps: -2 });
  });

  it('leaves a whole-turn prompt ending with the user turn', () => {
    expect(pairToTrl(pair('')).prompt).toEqual(prompt);
  });

  it('moves a whitespace-only prefix into both completions (continue_final_message strips it)', () => {
    const rec = pairToTrl(pair('\n'));
    expect(rec.prompt).toEqual(prompt);
    expect(rec.chosen[0].content).toBe('\naris"}}</tool_call>');
    expect(rec.rejected[0].content).toBe('\nerlin"}}</tool_call>');
    expect(validateTrlRecord(rec)).toEqual([]);
  });

  it('validates against TRL: prompt + chosen renders as one turn starting with the prompt', () => {
    for (const p of [pair(prefix), pair(''), pair(prefix + ' ')]) {
      const rec = JSON.parse(pairsToTrlJsonl([p]).trim());
      expect(validateTrlRecord(rec)).toEqual([]);
      const whole = renderConversation([...rec.prompt, ...rec.chosen], tools);
      expect(whole.slice(renderTrlPrompt(rec.prompt, tools).length)).toBe(rec.chosen[0].content + '<|im_end|>\n');
    }
    const joined = renderConversation([...pairToTrl(pair(prefix)).prompt, ...pairToTrl(pair(prefix)).chosen], tools);
    expect(joined).toContain('<|im_start|>assistant\n<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call><|im_end|>');
  });

  it('reports records TRL would reject', () => {
    expect(validateTrlRecord({ prompt: [], chosen: [], rejected: [], tools: [] })).toContain('prompt must be a non-empty list of messages');
    const rec = pairToTrl(pair(prefix));
    expect(validateTrlRecord({ ...rec, chosen: [{ role: 'assistant', content: 3 }] })).toEqual(['chosen[0].content must be a string']);
    expect(validateTrlRecord({ ...rec, prompt: [{ role: 'system', content: 'x' }] })[0]).toMatch(/must end with/);
    expect(validateTrlRecord({ ...rec, chosen: [{ role: 'user', content: 'x' }] })).toEqual(['chosen must be one assistant message']);
  });

  it('reads back what the statistics and de-duplication need from a record', () => {
    const pairs = [pair(prefix), { ...pair(''), kind: 'ground_truth' as const, spanType: null, margin: 0.5 }, { ...pair(prefix), turnType: 'text' as const }];
    const records = pairsToTrlJsonl(pairs).trim().split('\n').map((l) => JSON.parse(l));
    const outcomes = [{ turnType: 'call' as const, pairs: 3, divergenceSpans: [], branches: 1, decodedTokens: 9, baseEsm: 0.5, promptTokens: 12, branchMs: 0 }];
    const extra = { duplicatesRemoved: 0, elapsedMs: 1 };
    expect(pairStats('token', outcomes, records.map(trlPairFacts), extra)).toEqual(pairStats('token', outcomes, pairs, extra));
    // Same sample turn, prefix and completions: one example, whatever else the pair says.
    expect(trlDedupeKey(records[0])).toBe(trlDedupeKey(pairToTrl({ ...pair(prefix), kind: 'truth_walk', margin: 0.3 })));
    expect(new Set([pair(prefix), pair(''), pair('\n'), { ...pair(prefix), turnIndex: 3 }, { ...pair(prefix), sampleId: 's2' }].map((p) => trlDedupeKey(pairToTrl(p)))).size).toBe(5);
  });
});
