import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveDataConfig } from '../../../src/core/data/config.ts';
import { exportRows } from '../../../src/core/data/export.ts';
import { generateDataset } from '../../../src/core/data/generate.ts';
import { importHermes } from '../../../src/core/data/hermes.ts';
import { parseJsonl, toJsonl } from '../../../src/core/data/jsonl.ts';
import { parseNative } from '../../../src/core/data/native.ts';
import { importXlam, pythonTypeToSchema } from '../../../src/core/data/xlam.ts';
import { renderConversation } from '../../../src/core/data/chat_format.ts';

const fixture = (name: string) => ({ path: `tests/fixtures/data/${name}`, text: readFileSync(`tests/fixtures/data/${name}`, 'utf8') });

describe('native JSONL', () => {
  const samples = generateDataset(resolveDataConfig({ n: 60, seed: 5 }));
  it('round-trips generated samples exactly', () => {
    const text = toJsonl(samples);
    const r = parseNative(text, 'x.jsonl');
    expect(r.errors).toEqual([]);
    expect(r.items).toEqual(samples);
    expect(toJsonl(r.items)).toBe(text);
  });
  it('reports broken lines by number and keeps the rest', () => {
    const lines = toJsonl(samples.slice(0, 3)).trim().split('\n');
    const bad = { ...samples[3], messages: [{ role: 'robot', content: 1 }] };
    const text = [lines[0], '{oops', lines[1], JSON.stringify(bad), '', JSON.stringify({ ...samples[4], meta: { category: 'x', domains: [] } }), lines[2]].join('\n');
    const r = parseNative(text, 'n.jsonl');
    expect(r.items.map((s) => s.id)).toEqual(samples.slice(0, 3).map((s) => s.id));
    expect(r.errors.map((e) => e.line)).toEqual([2, 4, 6]);
    expect(r.errors[1].reason).toContain('messages[0].role must be one of system, user, assistant, tool');
    expect(r.errors[1].reason).toContain('messages[0].content must be a string');
    expect(r.errors[2].reason).toContain('meta.category must be one of');
  });
  it('exports TRL rows and template-rendered text', () => {
    const [trl] = exportRows(samples.slice(0, 1), 'trl').rows as { messages: unknown; tools: unknown }[];
    expect(Object.keys(trl)).toEqual(['messages', 'tools']);
    expect(trl.messages).toEqual(samples[0].messages);
    const [text] = exportRows(samples.slice(0, 1), 'text').rows as { text: string }[];
    expect(text.text).toBe(renderConversation(samples[0].messages, samples[0].tools));
    const tpl = fixture('plain_template.jinja').text;
    const [plain] = exportRows(samples.slice(0, 1), 'text', tpl).rows as { text: string }[];
    const broken = exportRows(samples.slice(0, 2), 'text', '{{ messages[0].content.nope() }}');
    expect(broken.rows).toEqual([]);
    expect(broken.errors.map((e) => e.id)).toEqual(samples.slice(0, 2).map((s) => s.id));
    expect(plain.text.startsWith(samples[0].messages[0].role + ': ')).toBe(true);
  });
  it('parseJsonl lets unexpected errors through (only format errors become line errors)', () => {
    expect(() => parseJsonl('{}', 'f', () => { throw new TypeError('bug'); })).toThrow('bug');
  });
});

describe('xLAM import', () => {
  it('maps Python types and optional markers', () => {
    expect(pythonTypeToSchema('List[int], optional')).toEqual({ schema: { type: 'array', items: { type: 'integer' } }, optional: true });
    expect(pythonTypeToSchema('Dict[str, Any]')).toEqual({ schema: { type: 'object' }, optional: false });
    expect(pythonTypeToSchema('str')).toEqual({ schema: { type: 'string' }, optional: false });
  });
  it('imports rows with JSON-string fields and reports broken ones', () => {
    const f = fixture('xlam_mixed.jsonl');
    const r = importXlam(f.text, f.path);
    expect(r.items.map((s) => [s.id, s.meta.category])).toEqual([['xlam-1', 'parallel'], ['xlam-2', 'single'], ['xlam-6', 'irrelevance']]);
    expect(r.items[0].messages[1].tool_calls?.map((c) => c.function.arguments)).toEqual([{ type: 'beta' }, { type: 'game' }]);
    const range = r.items[1].tools.find((t) => t.function.name === 'get_range');
    expect(range?.function.parameters.required).toEqual(['start', 'end', 'tags']);
    expect(range?.function.parameters.properties.tags).toEqual({ type: 'array', items: { type: 'string' }, description: 'Labels.' });
    expect(r.errors.map((e) => [e.file, e.line])).toEqual([[f.path, 2], [f.path, 4], [f.path, 5]]);
    expect(r.errors[1].reason).toBe("answers[0] calls 'nope', which is not in tools");
    expect(r.errors[2].reason).toMatch(/^answers is not valid JSON/);
  });
});

describe('Hermes import', () => {
  it('reads <tool_call> tags, tool responses and tools from the system prompt or a tools field', () => {
    const f = fixture('hermes_mixed.jsonl');
    const r = importHermes(f.text, f.path);
    expect(r.items.map((s) => s.id)).toEqual(['hermes-h1', 'hermes-h2']);
    const [a, b] = r.items;
    expect(a.tools.map((t) => t.function.name)).toEqual(['get_stock_price', 'get_news']);
    expect(a.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant']);
    expect(a.messages[1].tool_calls?.map((c) => c.function.arguments)).toEqual([{ symbol: 'AAPL' }, { symbol: 'MSFT' }]);
    expect(a.messages[2]).toEqual({ role: 'tool', name: 'get_stock_price', content: '{"name": "get_stock_price", "content": {"price": 150.75}}' });
    expect(a.meta.category).toBe('parallel');
    expect(b.messages[1].tool_calls?.[0].function).toEqual({ name: 'get_news', arguments: { topic: 'tennis' } });
    expect(b.messages[2].name).toBe('get_news');
    expect(r.errors.map((e) => e.line)).toEqual([2, 5, 6]);
    expect(r.errors[0].reason).toMatch(/<tool_call> is not valid JSON/);
    expect(r.errors[1].reason).toMatch(/from 'wizard' is not one of/);
  });
});
