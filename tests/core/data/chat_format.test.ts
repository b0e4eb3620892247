import { describe, expect, it } from 'vitest';
import { renderConversation, renderSegments, renderAssistantTurn } from '../../../src/core/data/chat_format.ts';
import type { Message } from '../../../src/core/data/messages.ts';
import type { ToolSchema } from '../../../src/core/tools/schema.ts';

const tools: ToolSchema[] = [{
  type: 'function',
  function: {
    name: 'convert_units', description: 'Convert a value',
    parameters: { type: 'object', properties: { value: { type: 'number' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['value'] },
  },
}];
const call = (value: number) => ({ type: 'function' as const, function: { name: 'convert_units', arguments: { value, unit: 'c' } } });
const conversation: Message[] = [
  { role: 'user', content: 'What is 3 c in f?' },
  { role: 'assistant', content: '', tool_calls: [call(3), call(4)] },
  { role: 'tool', name: 'convert_units', content: '{"result": 37.4}' },
  { role: 'assistant', content: 'It is 37.4 f.' },
];

describe('chat_format', () => {
  it('renders tools as compact signatures and calls as Hermes tags', () => {
    const text = renderConversation(conversation, tools);
    expect(text).toContain('<tools>\nconvert_units(value: number, unit?: string c|f)\n</tools>');
    expect(text).toContain('<|im_start|>assistant\n<tool_call>{"name": "convert_units", "arguments": {"value": 3, "unit": "c"}}</tool_call>\n<tool_call>');
    expect(text).toContain('<|im_start|>tool\n{"result": 37.4}<|im_end|>\n');
  });

  it('segments concatenate to the full rendering and mark only assistant output', () => {
    const segs = renderSegments(conversation, tools);
    expect(segs.map((s) => s.text).join('')).toBe(renderConversation(conversation, tools));
    const trained = segs.filter((s) => s.train).map((s) => s.text);
    expect(trained).toHaveLength(2);
    expect(trained[0].startsWith('<tool_call>')).toBe(true);
    expect(trained[1]).toBe('It is 37.4 f.<|im_end|>\n');
    expect(segs[0].train).toBe(false);
    expect(segs[0].text.endsWith('<|im_start|>assistant\n')).toBe(true);
  });

  it('renders a single assistant turn as its training target', () => {
    expect(renderAssistantTurn({ role: 'assistant', content: '', tool_calls: [call(1)] }, tools))
      .toBe('<tool_call>{"name": "convert_units", "arguments": {"value": 1, "unit": "c"}}</tool_call><|im_end|>\n');
  });

  it('omits the system block when there are no tools and no system message', () => {
    expect(renderConversation([{ role: 'user', content: 'hi' }], [], { addGenerationPrompt: true }))
      .toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
  });
});

describe('chat_format continuation', () => {
  it('renders consecutive assistant messages as one turn (TRL continue_final_message pairs)', () => {
    const prompt: Message[] = [{ role: 'user', content: 'q' }, { role: 'assistant', content: '<tool_call>{"name": "conv' }];
    const chosen: Message = { role: 'assistant', content: 'ert_units", "arguments": {}}</tool_call>' };
    const whole = renderConversation([...prompt, chosen], []);
    expect(whole).toBe('<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<tool_call>{"name": "convert_units", "arguments": {}}</tool_call><|im_end|>\n');
    const promptText = renderConversation(prompt, []);
    // HF's continue_final_message cuts the rendering right after the final message's content.
    const continued = promptText.slice(0, promptText.lastIndexOf(prompt[1].content) + prompt[1].content.length);
    expect(whole.startsWith(continued)).toBe(true);
    expect(whole.slice(continued.length)).toBe('ert_units", "arguments": {}}</tool_call><|im_end|>\n');
  });
});

describe('chat_format tool signatures', () => {
  it('renders a parameter named like a dict method (items, keys) without confusing it for the method', () => {
    const tool: ToolSchema = {
      type: 'function',
      function: { name: 'cart', description: 'd', parameters: { type: 'object', properties: { items: { type: 'array' }, keys: { type: 'string' } }, required: ['items'] } },
    };
    expect(renderConversation([{ role: 'user', content: 'x' }], [tool])).toContain('cart(items: array, keys?: string)');
  });
});
